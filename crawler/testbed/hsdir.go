package testbed

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteHSDirs writes one tor HiddenServiceDir per market under dir: dir/<name>/ with
// hs_ed25519_secret_key, hs_ed25519_public_key and hostname (mode 0700 dirs, 0600 files).
func (w *World) WriteHSDirs(dir string) error {
	for _, m := range w.markets {
		d := filepath.Join(dir, m.info.Name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("hs dir %s: %w", d, err)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("hs dir %s: %w", d, err)
		}
		files := map[string][]byte{
			"hs_ed25519_secret_key": m.key.torSecretKey(),
			"hs_ed25519_public_key": m.key.torPublicKey(),
			"hostname":              []byte(m.info.Host + "\n"),
		}
		for name, data := range files {
			p := filepath.Join(d, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				return fmt.Errorf("hs dir file %s: %w", p, err)
			}
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("hs dir file %s: %w", p, err)
			}
		}
	}
	return nil
}
