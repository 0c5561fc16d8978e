module greenroom.dev/greenroom/sdk/go

go 1.24
