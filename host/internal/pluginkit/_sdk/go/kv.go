package greenroom

// KVStore is the plugin's key-value store (capability kv): one namespace per plugin,
// kept by the host, surviving restarts. Keys are 1-512 bytes.
type KVStore struct{}

// KV is the plugin's key-value store.
var KV KVStore

type kvKeyRequest struct {
	Key string `json:"key"`
}

type kvGetResult struct {
	Value []byte `json:"value"`
}

type kvPutRequest struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

type kvListRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit,omitempty"`
}

type kvListResult struct {
	Keys []string `json:"keys"`
}

// Get returns the value of key and whether it exists.
func (KVStore) Get(key string) ([]byte, bool, error) {
	var res kvGetResult
	if err := call(fnKVGet, kvKeyRequest{Key: key}, &res); err != nil {
		return nil, false, err
	}
	return res.Value, res.Value != nil, nil
}

// Put sets key to value. The host refuses values over the plugin's quota with
// CodeTooLarge.
func (KVStore) Put(key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return call(fnKVPut, kvPutRequest{Key: key, Value: value}, nil)
}

// Delete removes key; deleting an absent key is not an error.
func (KVStore) Delete(key string) error {
	return call(fnKVDelete, kvKeyRequest{Key: key}, nil)
}

// List returns the keys that start with prefix, in byte order, at most limit of them
// (0 means the host's default limit).
func (KVStore) List(prefix string, limit int) ([]string, error) {
	if limit < 0 {
		return nil, Errorf(CodeInvalidArgument, "kv list: limit %d is negative", limit)
	}
	var res kvListResult
	if err := call(fnKVList, kvListRequest{Prefix: prefix, Limit: limit}, &res); err != nil {
		return nil, err
	}
	return res.Keys, nil
}
