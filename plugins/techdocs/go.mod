module greenroom.dev/greenroom/plugins/techdocs

go 1.26.0

require (
	github.com/yuin/goldmark v1.8.7
	golang.org/x/text v0.42.0
	gopkg.in/yaml.v3 v3.0.1
	greenroom.dev/greenroom/sdk/go v0.0.0-00010101000000-000000000000
)

replace greenroom.dev/greenroom/sdk/go => ../../sdk/go
