package runtime

import (
	"io/fs"
	"os"
	"path/filepath"
)

// setInstrument switches module instrumentation for a test and returns the undo.
func setInstrument(on bool) func() {
	old := instrumentModules
	instrumentModules = on
	return func() { instrumentModules = old }
}

func statMode(p string) (fs.FileMode, error) {
	st, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return st.Mode().Perm(), nil
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
