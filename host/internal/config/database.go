package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DatabaseConnection is backend.database.connection, as Backstage writes it: a string
// (bbolt's file path; PostgreSQL's postgres:// URL), or for client pg a mapping of host,
// port, user, password, database and ssl. ${VAR} works in either, so a password can come
// from the environment.
type DatabaseConnection struct {
	// Value is the string form: the bbolt file path, or a postgres:// URL.
	Value string `yaml:"-"`
	// Host is the PostgreSQL server's host name or address.
	Host string `yaml:"host"`
	// Port is the PostgreSQL server's port. Default 5432.
	Port int `yaml:"port"`
	// User is the PostgreSQL role to connect as.
	User string `yaml:"user"`
	// Password is the role's password; write it as ${VAR} to keep it out of the file.
	Password string `yaml:"password"`
	// Database is the database to use. Default the user's name.
	Database string `yaml:"database"`
	// SSL is whether to use TLS: true requires it (sslmode=require), false turns it
	// off; unset tries TLS and falls back (sslmode=prefer).
	SSL *bool `yaml:"ssl"`
}

var connectionKeys = []string{"host", "port", "user", "password", "database", "ssl"}

// UnmarshalYAML implements yaml.Unmarshaler: a scalar or the mapping.
func (c *DatabaseConnection) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*c = DatabaseConnection{Value: n.Value}
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			known := false
			for _, name := range connectionKeys {
				known = known || k.Value == name
			}
			if !known {
				keys := append([]string(nil), connectionKeys...)
				sort.Strings(keys)
				return &Error{Line: k.Line, Msg: fmt.Sprintf("database connection key %q is not known; use one of %s", k.Value, strings.Join(keys, ", "))}
			}
		}
		type plain DatabaseConnection
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*c = DatabaseConnection(p)
		return nil
	}
	return &Error{Line: n.Line, Msg: "the database connection is a string (a file path or a postgres:// URL) or a mapping of host, port, user, password, database and ssl"}
}

// IsMapping reports whether the connection was written as a mapping.
func (c DatabaseConnection) IsMapping() bool {
	return c.Host != "" || c.Port != 0 || c.User != "" || c.Password != "" || c.Database != "" || c.SSL != nil
}

// PostgresURL is the connection as a postgres:// URL for client pg.
func (c DatabaseConnection) PostgresURL() string {
	if !c.IsMapping() {
		return c.Value
	}
	u := url.URL{Scheme: "postgres", Host: c.Host, Path: "/" + c.Database}
	if c.Port != 0 {
		u.Host = c.Host + ":" + strconv.Itoa(c.Port)
	}
	if c.Password != "" {
		u.User = url.UserPassword(c.User, c.Password)
	} else if c.User != "" {
		u.User = url.User(c.User)
	}
	if c.SSL != nil {
		mode := "disable"
		if *c.SSL {
			mode = "require"
		}
		u.RawQuery = url.Values{"sslmode": {mode}}.Encode()
	}
	return u.String()
}

// validate checks the connection against the client; path is where the problem is,
// under backend.database.
func (d Database) validate() (path []string, err error) {
	c := d.Connection
	conn := []string{"connection"}
	switch d.Client {
	case "bbolt":
		if c.IsMapping() {
			return conn, errors.New("client bbolt takes a file path; a mapping of host, port, user... is for client pg")
		}
		if strings.Contains(c.Value, "://") {
			return conn, fmt.Errorf("%q is a URL, but client is bbolt, which takes a file path; set client: pg for PostgreSQL", redact(c.Value))
		}
	case "pg":
		switch {
		case c.IsMapping() && c.Value != "":
			return conn, errors.New("write a postgres:// URL or a mapping, not both")
		case c.IsMapping():
			if c.Host == "" {
				return append(conn, "host"), errors.New("missing; set the PostgreSQL server's host name or address")
			}
			if c.Port < 0 || c.Port > 65535 {
				return append(conn, "port"), fmt.Errorf("%d is outside 0-65535", c.Port)
			}
		case c.Value == "":
			return conn, errors.New("missing; client pg needs a postgres://user:password@host:port/database URL or a mapping of host, port, user, password, database and ssl")
		default:
			u, err := url.Parse(c.Value)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
				return conn, fmt.Errorf("%q is not a postgres://user:password@host:port/database URL; write one, or a mapping of host, port, user, password, database and ssl", redact(c.Value))
			}
		}
	default:
		return []string{"client"}, fmt.Errorf("client %q is not supported; use bbolt (embedded, the default) or pg (PostgreSQL)", d.Client)
	}
	return nil, nil
}

// redact hides a URL's password in messages, also when the URL does not parse (a
// password with an unescaped / or @ is a common reason it does not).
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return s
	}
	return userinfoPassword.ReplaceAllString(s, "${1}xxxxx@")
}

var userinfoPassword = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:).*@`)
