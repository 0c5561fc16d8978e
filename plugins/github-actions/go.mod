module greenroom.dev/greenroom/plugins/github-actions

go 1.24

require greenroom.dev/greenroom/sdk/go v0.0.0

replace greenroom.dev/greenroom/sdk/go => ../../sdk/go
