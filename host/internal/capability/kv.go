package capability

import (
	"context"
	"encoding/json"
	"errors"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

// kvFuncs are the kv capability's host functions for one plugin: its own bucket, with
// its quota.
func kvFuncs(kv *store.KV, plugin string, quota int64) map[string]runtime.HostFunc {
	return map[string]runtime.HostFunc{
		"kv_get": func(ctx context.Context, req []byte) ([]byte, error) {
			var r abi.KVGetRequest
			if err := decode(req, &r); err != nil {
				return nil, err
			}
			v, err := kv.Get(plugin, []byte(r.Key))
			if errors.Is(err, store.ErrKVNotFound) {
				return []byte(`{"value":null}`), nil
			}
			if err != nil {
				return nil, kvError(err)
			}
			return json.Marshal(abi.KVGetResult{Value: v})
		},
		"kv_put": func(ctx context.Context, req []byte) ([]byte, error) {
			var r abi.KVPutRequest
			if err := decode(req, &r); err != nil {
				return nil, err
			}
			if r.Value == nil {
				r.Value = []byte{}
			}
			if err := kv.Put(plugin, []byte(r.Key), r.Value, quota); err != nil {
				return nil, kvError(err)
			}
			return []byte(`{}`), nil
		},
		"kv_delete": func(ctx context.Context, req []byte) ([]byte, error) {
			var r abi.KVDeleteRequest
			if err := decode(req, &r); err != nil {
				return nil, err
			}
			if err := kv.Delete(plugin, []byte(r.Key)); err != nil {
				return nil, kvError(err)
			}
			return []byte(`{}`), nil
		},
		"kv_list": func(ctx context.Context, req []byte) ([]byte, error) {
			var r abi.KVListRequest
			if err := decode(req, &r); err != nil {
				return nil, err
			}
			limit := r.Limit
			if limit <= 0 || limit > 10000 {
				limit = 10000
			}
			keys, err := kv.List(plugin, []byte(r.Prefix), limit)
			if err != nil {
				return nil, kvError(err)
			}
			res := abi.KVListResult{Keys: make([]string, len(keys))}
			for i, k := range keys {
				res.Keys[i] = string(k)
			}
			return json.Marshal(res)
		},
	}
}

func kvError(err error) error {
	switch {
	case errors.Is(err, store.ErrKVQuota):
		return abi.Errorf(abi.CodeTooLarge, "%v", err)
	case errors.Is(err, store.ErrKVBadKey):
		return abi.Errorf(abi.CodeInvalidArgument, "%v", err)
	}
	return abi.Errorf(abi.CodeInternal, "kv: %v", err)
}
