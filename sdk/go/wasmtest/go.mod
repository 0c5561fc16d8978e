module greenroom.dev/greenroom/sdk/go/wasmtest

go 1.26

require (
	github.com/tetratelabs/wazero v1.12.0
	greenroom.dev/greenroom/sdk/go v0.0.0
)

require golang.org/x/sys v0.44.0 // indirect

replace greenroom.dev/greenroom/sdk/go => ../
