module greenroom.dev/greenroom/host/internal/runtime/testdata/gopdk

go 1.26

require github.com/extism/go-pdk v1.1.3
