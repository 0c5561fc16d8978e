package auth

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Handler serves /api/auth: paths relative to it (/guest/start), or with the prefix
// (/api/auth/guest/start), so that the host may mount it either way.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serve) }

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, BasePath)
	switch path {
	case "/.well-known/jwks.json":
		s.serveJWKS(w, r)
		return
	case "/.well-known/openid-configuration":
		s.serveDiscovery(w, r)
		return
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	writeError(w, r, notFoundError("Unknown auth provider '%s'", id))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Service) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, r, notFoundError("No route for %s %s", r.Method, r.URL.Path))
		return
	}
	keys, err := s.tokens.keys.jwks(s.now())
	if err != nil {
		s.log.Error("auth: jwks", "err", err)
		writeError(w, r, &Error{Status: http.StatusInternalServerError, Name: "Error", Message: "Internal error"})
		return
	}
	writeJSON(w, map[string]any{"keys": keys})
}

func (s *Service) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, r, notFoundError("No route for %s %s", r.Method, r.URL.Path))
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                s.authURL,
		"jwks_uri":                              s.authURL + "/.well-known/jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"scopes_supported":                      []string{"openid"},
		"token_endpoint_auth_methods_supported": []string{},
		"claims_supported":                      []string{"sub", "ent"},
		"grant_types_supported":                 []string{},
	})
}
