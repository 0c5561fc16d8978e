module greenroom.dev/greenroom/plugins/prometheus

go 1.24

require greenroom.dev/greenroom/sdk/go v0.0.0

replace greenroom.dev/greenroom/sdk/go => ../../sdk/go
