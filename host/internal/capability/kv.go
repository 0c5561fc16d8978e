package capability

import (
	"context"
	"errors"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/store"
)

// The kv capability: the plugin's own bucket of the store, bounded by its grant's quota.

func kvGet(s *Services, p *config.Plugin) Call[abi.KVGetRequest, abi.KVGetResult] {
	if s.KV == nil {
		return nil
	}
	return func(_ context.Context, r *abi.KVGetRequest) (abi.KVGetResult, error) {
		v, err := s.KV.Get(p.ID, []byte(r.Key))
		if errors.Is(err, store.ErrKVNotFound) {
			return abi.KVGetResult{}, nil
		}
		return abi.KVGetResult{Value: v}, kvError(err)
	}
}

func kvPut(s *Services, p *config.Plugin) Call[abi.KVPutRequest, struct{}] {
	if s.KV == nil || p.Grants.KV == nil {
		return nil
	}
	quota := int64(p.Grants.KV.Quota)
	return func(_ context.Context, r *abi.KVPutRequest) (struct{}, error) {
		if r.Value == nil {
			r.Value = []byte{}
		}
		return struct{}{}, kvError(s.KV.Put(p.ID, []byte(r.Key), r.Value, quota))
	}
}

func kvDelete(s *Services, p *config.Plugin) Call[abi.KVDeleteRequest, struct{}] {
	if s.KV == nil {
		return nil
	}
	return func(_ context.Context, r *abi.KVDeleteRequest) (struct{}, error) {
		return struct{}{}, kvError(s.KV.Delete(p.ID, []byte(r.Key)))
	}
}

func kvList(s *Services, p *config.Plugin) Call[abi.KVListRequest, abi.KVListResult] {
	if s.KV == nil {
		return nil
	}
	return func(_ context.Context, r *abi.KVListRequest) (abi.KVListResult, error) {
		limit := r.Limit
		if limit <= 0 || limit > 10000 {
			limit = 10000
		}
		keys, err := s.KV.List(p.ID, []byte(r.Prefix), limit)
		if err != nil {
			return abi.KVListResult{}, kvError(err)
		}
		res := abi.KVListResult{Keys: make([]string, len(keys))}
		for i, k := range keys {
			res.Keys[i] = string(k)
		}
		return res, nil
	}
}

func kvError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrKVQuota):
		return abi.Errorf(abi.CodeTooLarge, "%v", err)
	case errors.Is(err, store.ErrKVBadKey):
		return abi.Errorf(abi.CodeInvalidArgument, "%v", err)
	case errors.Is(err, store.ErrUnavailable):
		// Only that: the store's error (which may name the database) is in the log.
		return abi.Errorf(abi.CodeUnavailable, "kv: the database is unavailable; try again shortly")
	}
	return abi.Errorf(abi.CodeInternal, "kv: %v", err)
}
