package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDatabaseConnection: backend.database.connection in Backstage's forms, with
// ${VAR} secrets, becomes the URL the PostgreSQL store opens; bbolt keeps its default
// file.
func TestDatabaseConnection(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"bbolt default", "app: {}\n", "data/greenroom.db"},
		{"pg url", "backend:\n  database:\n    client: pg\n    connection: postgres://gr:${PGURLPASSWORD}@db.internal:5433/portal\n", "postgres://gr:s3cret@db.internal:5433/portal"},
		{"pg mapping", "backend:\n  database:\n    client: pg\n    connection:\n      host: db.internal\n      port: ${PGPORT}\n      user: gr\n      password: ${PGPASSWORD}\n      database: portal\n      ssl: true\n",
			"postgres://gr:s3cr%2Ft@db.internal:5433/portal?sslmode=require"},
		{"pg mapping, no password or port", "backend:\n  database:\n    client: pg\n    connection: {host: 127.0.0.1, user: gr, database: portal, ssl: false}\n",
			"postgres://gr@127.0.0.1/portal?sslmode=disable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "app-config.yaml")
			if err := os.WriteFile(f, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load([]string{f}, env(map[string]string{"PGPASSWORD": "s3cr/t", "PGPORT": "5433", "PGURLPASSWORD": "s3cret"}))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Backend.Database.Connection.Value
			if c.Backend.Database.Client == "pg" {
				got = c.Backend.Database.Connection.PostgresURL()
			}
			if got != tc.want {
				t.Errorf("connection = %q, want %q", got, tc.want)
			}
		})
	}
}
