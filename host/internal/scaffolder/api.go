package scaffolder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Prefix is where the API is mounted.
const Prefix = "/api/scaffolder"

// maxBody caps a request body (dry-run's files included), as Backstage's 10 MB.
const maxBody = 10 << 20

// Handler serves Backstage's scaffolder REST API below /api/scaffolder, for the caller
// in the request's context (identity.From).
func (s *Scaffolder) Handler() http.Handler {
	mux := http.NewServeMux()
	p := Prefix + "/v2"
	mux.HandleFunc("GET "+p+"/templates/{namespace}/{kind}/{name}/parameter-schema", s.parameterSchema)
	mux.HandleFunc("GET "+p+"/actions", s.listActions)
	mux.HandleFunc("POST "+p+"/tasks", s.createTask)
	mux.HandleFunc("GET "+p+"/tasks", s.listTasks)
	mux.HandleFunc("GET "+p+"/tasks/{id}", s.getTask)
	mux.HandleFunc("POST "+p+"/tasks/{id}/cancel", s.cancelTask)
	mux.HandleFunc("POST "+p+"/tasks/{id}/retry", s.retryTask)
	mux.HandleFunc("GET "+p+"/tasks/{id}/events", s.events)
	mux.HandleFunc("GET "+p+"/tasks/{id}/eventstream", s.eventStream)
	mux.HandleFunc("POST "+p+"/dry-run", s.dryRun)
	mux.HandleFunc("GET "+p+"/templating-extensions", s.templatingExtensions)
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, r, 404, "NotFoundError", fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeErr writes Backstage's error body.
func writeErr(w http.ResponseWriter, r *http.Request, status int, name, msg string) {
	writeJSON(w, status, map[string]any{
		"error":    map[string]any{"name": name, "message": msg},
		"request":  map[string]any{"method": r.Method, "url": r.URL.RequestURI()},
		"response": map[string]any{"statusCode": status},
	})
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *ValidationError
	var nf *NotFoundError
	var ie *InputError
	var na *NotAllowedError
	switch {
	case errors.As(err, &na):
		writeErr(w, r, 403, "NotAllowedError", na.Msg)
	case errors.As(err, &ve):
		writeJSON(w, 400, map[string]any{"errors": ve.Errors})
	case errors.As(err, &nf):
		writeErr(w, r, 404, "NotFoundError", nf.Msg)
	case errors.As(err, &ie):
		writeErr(w, r, 400, "InputError", ie.Msg)
	case unavailable(err):
		// Only that: the store's error (which may name the database) is in the log.
		writeErr(w, r, 503, "ServiceUnavailableError", "The scaffolder's database is unavailable; try again shortly")
	default:
		writeErr(w, r, 500, "Error", err.Error())
	}
}

func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return &InputError{"Malformed request: " + err.Error()}
	}
	if len(b) > maxBody {
		return &InputError{"Malformed request: the body is over 10 MB"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &InputError{"Malformed request: " + err.Error()}
	}
	return nil
}

func (s *Scaffolder) parameterSchema(w http.ResponseWriter, r *http.Request) {
	ref := strings.ToLower(r.PathValue("kind")) + ":" + r.PathValue("namespace") + "/" + r.PathValue("name")
	t, err := s.TemplateByRef(r.Context(), ref)
	if err != nil {
		writeError(w, r, err)
		return
	}
	sch, err := t.Schema()
	if err != nil {
		writeError(w, r, &InputError{err.Error()})
		return
	}
	writeJSON(w, 200, sch)
}

func (s *Scaffolder) listActions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, s.actions.List())
}

func (s *Scaffolder) createTask(w http.ResponseWriter, r *http.Request) {
	var body struct {
		TemplateRef string            `json:"templateRef"`
		Values      map[string]any    `json:"values"`
		Secrets     map[string]string `json:"secrets"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	if body.TemplateRef == "" {
		writeErr(w, r, 400, "InputError", "templateRef is required, like template:default/my-template")
		return
	}
	id, err := s.Create(r.Context(), body.TemplateRef, body.Values, body.Secrets)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 201, map[string]string{"id": id})
}

func (s *Scaffolder) listTasks(w http.ResponseWriter, r *http.Request) {
	if err := s.MayRead(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	o := ListOptions{CreatedBy: q["createdBy"], Status: q["status"], Limit: atoi(q.Get("limit"), 0), Offset: atoi(q.Get("offset"), 0), TargetRef: q.Get("targetRef")}
	if ord := q.Get("order"); ord != "" {
		dir, field, ok := strings.Cut(ord, ":")
		if !ok || (dir != "asc" && dir != "desc") || !contains([]string{"createdAt", "status", "createdBy", "id"}, field) {
			writeErr(w, r, 400, "InputError", fmt.Sprintf("order %q: give <asc|desc>:<createdAt|status|createdBy|id>", ord))
			return
		}
		o.Order, o.Desc = field, dir == "desc"
	}
	tasks, total, err := s.List(o)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"tasks": tasks, "totalTasks": total})
}

func (s *Scaffolder) getTask(w http.ResponseWriter, r *http.Request) {
	if err := s.MayRead(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 200, t)
}

func (s *Scaffolder) cancelTask(w http.ResponseWriter, r *http.Request) {
	if err := s.Cancel(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]string{"status": StatusCancelled})
}

func (s *Scaffolder) retryTask(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Secrets map[string]string `json:"secrets"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, &body); err != nil {
			writeError(w, r, err)
			return
		}
	}
	id := r.PathValue("id")
	if err := s.Retry(r.Context(), id, body.Secrets); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 201, map[string]string{"id": id})
}

func after(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	return n
}

// longPoll is how long GET .../events waits for a first event.
var longPoll = 30 * time.Second

func (s *Scaffolder) events(w http.ResponseWriter, r *http.Request) {
	if err := s.MayRead(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	deadline := time.After(longPoll)
	for {
		ch := s.Wait(id)
		evs, err := s.Events(id, after(r))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if len(evs) > 0 {
			writeJSON(w, 200, evs)
			return
		}
		select {
		case <-ch:
		case <-deadline:
			writeJSON(w, 200, []Event{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

// eventStream sends the task's events as server-sent events until its completion.
func (s *Scaffolder) eventStream(w http.ResponseWriter, r *http.Request) {
	if err := s.MayRead(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, err := s.Get(id); err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(200)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	flush()
	last := after(r)
	for {
		ch := s.Wait(id)
		evs, err := s.Events(id, last)
		if err != nil {
			return
		}
		for _, e := range evs {
			b, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, b); err != nil {
				return
			}
			last = e.ID
			if e.Type == "completion" {
				flush()
				return
			}
		}
		flush()
		select {
		case <-ch:
		case <-time.After(15 * time.Second):
			// A comment keeps proxies from closing an idle stream, and finds a gone client.
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Scaffolder) dryRun(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Template          json.RawMessage   `json:"template"`
		Values            map[string]any    `json:"values"`
		Secrets           map[string]string `json:"secrets"`
		DirectoryContents []struct {
			Path          string `json:"path"`
			Base64Content string `json:"base64Content"`
		} `json:"directoryContents"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	tpl, err := ParseTemplate(body.Template)
	if err != nil {
		writeErr(w, r, 400, "InputError", err.Error())
		return
	}
	files := map[string][]byte{}
	for i, f := range body.DirectoryContents {
		b, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			writeErr(w, r, 400, "InputError", fmt.Sprintf("Malformed request: directoryContents[%d] (%s): base64Content: %v", i, f.Path, err))
			return
		}
		files[f.Path] = b
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	res, err := s.DryRun(ctx, tpl, body.Values, body.Secrets, files)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, 200, res)
}

// templatingExtensions lists the filters templates may use besides Nunjucks' own
// (Backstage's GET /v2/templating-extensions).
func (s *Scaffolder) templatingExtensions(w http.ResponseWriter, _ *http.Request) {
	str := map[string]any{"type": "string"}
	writeJSON(w, 200, map[string]any{
		"filters": map[string]any{
			"parseRepoUrl": map[string]any{"description": "Parses a repository URL as RepoUrlPicker writes it (host?owner=o&repo=r) into {host, owner, repo, organization, workspace, project}.",
				"schema":   map[string]any{"input": str, "output": map[string]any{"type": "object"}},
				"examples": []any{map[string]any{"example": "${{ parameters.repoUrl | parseRepoUrl }}"}}},
			"parseEntityRef": map[string]any{"description": "Parses an entity ref into {kind, namespace, name}, with optional defaultKind and defaultNamespace.",
				"schema":   map[string]any{"input": str, "arguments": []any{map[string]any{"type": "object", "properties": map[string]any{"defaultKind": str, "defaultNamespace": str}}}, "output": map[string]any{"type": "object"}},
				"examples": []any{map[string]any{"example": "${{ parameters.owner | parseEntityRef({defaultKind: 'group'}) }}"}}},
			"pick": map[string]any{"description": "Picks a (dotted) path of an object.",
				"schema":   map[string]any{"input": map[string]any{"type": "object"}, "arguments": []any{str}},
				"examples": []any{map[string]any{"example": "${{ parameters.repoUrl | parseRepoUrl | pick('owner') }}"}}},
			"projectSlug": map[string]any{"description": "Turns a repository URL into owner/repo.",
				"schema":   map[string]any{"input": str, "output": str},
				"examples": []any{map[string]any{"example": "${{ parameters.repoUrl | projectSlug }}"}}},
		},
		"globals": map[string]any{"functions": map[string]any{}, "values": map[string]any{}},
	})
}
