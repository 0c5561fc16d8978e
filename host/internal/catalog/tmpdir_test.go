package catalog_test

import "os"

func mkdirTemp() (string, error) { return os.MkdirTemp("", "greenroom-catalog-bench-") }
