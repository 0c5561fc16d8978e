module greenroom.dev/greenroom/host/internal/cli/testdata/kvwriter

go 1.24

require greenroom.dev/greenroom/sdk/go v0.0.0

replace greenroom.dev/greenroom/sdk/go => ../../../../../sdk/go
