package urlreader

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// Cache is a bounded LRU of ETag + content per URL. The Mux puts it in front of
// cacheable readers so that a repeated ReadURL without an ETag becomes a conditional
// request: a 304 upstream returns the cached content and costs no rate limit.
type Cache struct {
	mu       sync.Mutex
	maxBytes int64
	size     int64
	ll       *list.List
	items    map[string]*list.Element
}

type cacheEntry struct {
	url          string
	etag         string
	lastModified time.Time
	content      []byte
}

// NewCache returns a cache that holds at most maxBytes of content. An entry larger than
// an eighth of that is not cached.
func NewCache(maxBytes int64) *Cache {
	return &Cache{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Len and Size report the number of entries and bytes held.
func (c *Cache) Len() int { c.mu.Lock(); defer c.mu.Unlock(); return c.ll.Len() }

// Size reports the bytes of content held.
func (c *Cache) Size() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.size }

func (c *Cache) get(url string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[url]
	if !ok {
		return cacheEntry{}, false
	}
	c.ll.MoveToFront(el)
	return *el.Value.(*cacheEntry), true
}

func (c *Cache) put(e cacheEntry) {
	n := int64(len(e.content) + len(e.url) + len(e.etag))
	if n > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.url]; ok {
		old := el.Value.(*cacheEntry)
		c.size -= int64(len(old.content) + len(old.url) + len(old.etag))
		*old = e
		c.size += n
		c.ll.MoveToFront(el)
	} else {
		c.items[e.url] = c.ll.PushFront(&e)
		c.size += n
	}
	for c.size > c.maxBytes {
		el := c.ll.Back()
		old := el.Value.(*cacheEntry)
		c.ll.Remove(el)
		delete(c.items, old.url)
		c.size -= int64(len(old.content) + len(old.url) + len(old.etag))
	}
}

func (c *Cache) drop(url string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[url]; ok {
		old := el.Value.(*cacheEntry)
		c.ll.Remove(el)
		delete(c.items, url)
		c.size -= int64(len(old.content) + len(old.url) + len(old.etag))
	}
}

// readURL reads through the cache: without a caller ETag, a cached ETag is sent, and a
// not-modified answer returns a copy of the cached content (hit).
func (c *Cache) readURL(ctx context.Context, r Reader, rawURL string, opts ReadURLOptions) (res *ReadURLResponse, hit bool, err error) {
	if opts.ETag != "" || !opts.LastModifiedAfter.IsZero() || opts.MaxBytes > 0 {
		res, err := r.ReadURL(ctx, rawURL, opts)
		if err == nil && res.ETag != "" {
			c.put(cacheEntry{url: rawURL, etag: res.ETag, lastModified: res.LastModifiedAt, content: res.Content})
		}
		return res, false, err
	}
	if e, ok := c.get(rawURL); ok {
		res, err := r.ReadURL(ctx, rawURL, ReadURLOptions{ETag: e.etag})
		if errors.Is(err, ErrNotModified) {
			return &ReadURLResponse{Content: append([]byte(nil), e.content...), ETag: e.etag, LastModifiedAt: e.lastModified}, true, nil
		}
		if errors.Is(err, ErrNotFound) {
			c.drop(rawURL)
		}
		if err != nil {
			return nil, false, err
		}
		c.put(cacheEntry{url: rawURL, etag: res.ETag, lastModified: res.LastModifiedAt, content: res.Content})
		return res, false, nil
	}
	res, err = r.ReadURL(ctx, rawURL, opts)
	if err == nil && res.ETag != "" {
		c.put(cacheEntry{url: rawURL, etag: res.ETag, lastModified: res.LastModifiedAt, content: res.Content})
	}
	return res, false, err
}
