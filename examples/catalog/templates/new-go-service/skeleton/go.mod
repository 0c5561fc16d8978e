module example.com/${{ values.name }}

go 1.26
