module greenroom.dev/greenroom/examples/entity-card

go 1.24

require greenroom.dev/greenroom/sdk/go v0.0.0

require gopkg.in/yaml.v3 v3.0.1

replace greenroom.dev/greenroom/sdk/go => ../../sdk/go
