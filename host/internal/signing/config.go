package signing

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Config is the top-level `security:` section of app-config.yaml.
//
//	security:
//	  requireSignedPlugins: true
//	  trustedKeys:
//	    - id: 3f2a9c0d5e7b1a24                 # optional; checked against the key when given
//	      publicKey: 9bq0r3...base64...=       # the base64 that `greenroom plugin keygen` prints
//	    - file: keys/release.pub               # or a .pub file, relative to app-config.yaml
type Config struct {
	// RequireSignedPlugins refuses, at load and reload, every plugin that is not signed
	// by one of TrustedKeys. Default false: unsigned plugins load, and `greenroom audit`
	// shows their signature status. A signature that does not match its module (the
	// module was changed after signing) is refused either way.
	RequireSignedPlugins bool `yaml:"requireSignedPlugins"`
	// TrustedKeys are the Ed25519 public keys whose signatures are trusted. Make a key
	// pair with `greenroom plugin keygen -o NAME`; keep NAME.key secret and list NAME.pub
	// (or the base64 key it prints) here.
	TrustedKeys []TrustedKey `yaml:"trustedKeys"`
}

// TrustedKey is one entry of security.trustedKeys: exactly one of PublicKey and File.
type TrustedKey struct {
	// ID is the key id (16 hex digits) that `greenroom plugin keygen` prints. Optional;
	// when given, the key must have this id, which guards against pasting the wrong key.
	ID string `yaml:"id"`
	// PublicKey is the key itself: standard base64 of the 32 key bytes, or PEM text.
	PublicKey string `yaml:"publicKey"`
	// File is a public key file (PEM or base64), relative to the directory of the config
	// file that sets it.
	File string `yaml:"file"`
}

// Keys resolves the trusted keys. dir is the directory relative paths are taken from.
// Errors name the YAML path (security.trustedKeys[i]) and the fix.
func (c *Config) Keys(dir string) ([]PublicKey, error) {
	var keys []PublicKey
	var errs []string
	seen := map[string]int{}
	for i, tk := range c.TrustedKeys {
		path := fmt.Sprintf("security.trustedKeys[%d]", i)
		var k PublicKey
		var err error
		switch {
		case tk.PublicKey != "" && tk.File != "":
			err = fmt.Errorf("%s: give publicKey or file, not both", path)
		case tk.PublicKey != "":
			if k, err = ParsePublicKey([]byte(tk.PublicKey)); err != nil {
				err = fmt.Errorf("%s.publicKey: %w", path, err)
			}
		case tk.File != "":
			f := tk.File
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			if k, err = LoadPublicKey(f); err != nil {
				err = fmt.Errorf("%s.file: %w", path, err)
			}
		default:
			err = fmt.Errorf("%s: give publicKey (base64) or file (a .pub file from `greenroom plugin keygen`)", path)
		}
		if err == nil && tk.ID != "" && !strings.EqualFold(tk.ID, k.ID) {
			err = fmt.Errorf("%s.id: %q does not match the key, whose id is %s; check that this is the right key", path, tk.ID, k.ID)
		}
		if err == nil {
			if j, dup := seen[k.ID]; dup {
				err = fmt.Errorf("%s: key %s is already listed at security.trustedKeys[%d]", path, k.ID, j)
			}
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		seen[k.ID] = i
		keys = append(keys, k)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	if c.RequireSignedPlugins && len(keys) == 0 {
		return nil, fmt.Errorf("security.requireSignedPlugins is true but security.trustedKeys is empty, so no plugin could load; list the public keys of your signers")
	}
	return keys, nil
}
