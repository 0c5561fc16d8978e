package scaffolder

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/scaffolder/nunjucks"
)

func obj(required []string, props map[string]any) map[string]any {
	m := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		r := make([]any, len(required))
		for i, s := range required {
			r[i] = s
		}
		m["required"] = r
	}
	return m
}

func typ(t, title string) map[string]any { return map[string]any{"type": t, "title": title} }

var fetchTemplateInput = map[string]any{
	"url":                   typ("string", "Fetch URL"),
	"targetPath":            typ("string", "Target Path"),
	"values":                typ("object", "Template Values"),
	"copyWithoutRender":     map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "title": "[Deprecated] Copy Without Render"},
	"copyWithoutTemplating": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "title": "Copy Without Templating"},
	"cookiecutterCompat":    typ("boolean", "Cookiecutter compatibility mode"),
	"templateFileExtension": map[string]any{"type": []any{"string", "boolean"}, "title": "Template File Extension"},
	"replace":               typ("boolean", "Replace files"),
	"trimBlocks":            typ("boolean", "Trim blocks"),
	"lstripBlocks":          typ("boolean", "Lstrip blocks"),
	"token":                 typ("string", "Token"),
}

// Builtins returns the built-in actions, with Backstage's ids, inputs and outputs.
func Builtins() []*Action {
	return []*Action{
		{ID: "debug:log", Description: "Writes a message into the log and/or lists all files in the workspace.", DryRun: true,
			Schema:  ActionSchema{Input: obj(nil, map[string]any{"message": typ("string", "Message to output."), "listWorkspace": map[string]any{"title": "List all files in the workspace", "type": []any{"boolean", "string"}}, "extra": map[string]any{}})},
			Handler: debugLog},
		{ID: "debug:wait", Description: "Waits for a certain period of time.", DryRun: true,
			Schema:  ActionSchema{Input: obj(nil, map[string]any{"minutes": typ("number", "Minutes"), "seconds": typ("number", "Seconds"), "milliseconds": typ("number", "Milliseconds")})},
			Handler: debugWait},
		{ID: "fetch:plain", Description: "Downloads content and places it in the workspace, or optionally in a subdirectory specified by the `targetPath` input option.", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"url"}, map[string]any{"url": typ("string", "Fetch URL"), "targetPath": typ("string", "Target Path"), "token": typ("string", "Token")})},
			Handler: fetchPlain},
		{ID: "fetch:plain:file", Description: "Downloads single file and places it in the workspace.", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"url", "targetPath"}, map[string]any{"url": typ("string", "Fetch URL"), "targetPath": typ("string", "Target Path"), "token": typ("string", "Token")})},
			Handler: fetchPlainFile},
		{ID: "fetch:template", Description: "Downloads a skeleton, templates variables into file and directory names and content, and places the result in the workspace, or optionally in a subdirectory specified by the `targetPath` input option.", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"url"}, fetchTemplateInput)},
			Handler: fetchTemplate},
		{ID: "fetch:template:file", Description: "Downloads single file and places it in the workspace.", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"url", "targetPath"}, fetchTemplateInput)},
			Handler: fetchTemplateFile},
		{ID: "fs:delete", Description: "Deletes files and directories from the workspace", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"files"}, map[string]any{"files": map[string]any{"title": "Files", "type": "array", "items": map[string]any{"type": "string"}}})},
			Handler: fsDelete},
		{ID: "fs:rename", Description: "Renames files and directories within the workspace", DryRun: true,
			Schema: ActionSchema{Input: obj([]string{"files"}, map[string]any{"files": map[string]any{"title": "Files", "type": "array", "items": obj([]string{"from", "to"}, map[string]any{
				"from": typ("string", "The source location of the file to be renamed"), "to": typ("string", "The destination of the new file"), "overwrite": typ("boolean", "Overwrite existing file or directory, default is false")})}})},
			Handler: fsRename},
		{ID: "catalog:write", Description: "Writes the catalog-info.yaml for your template", DryRun: true,
			Schema:  ActionSchema{Input: obj([]string{"entity"}, map[string]any{"filePath": typ("string", "Catalog file path"), "entity": typ("object", "Entity info to write catalog-info.yaml")})},
			Handler: catalogWrite},
		{ID: "catalog:fetch", Description: "Returns entity or entities from the catalog by entity reference(s)", DryRun: true,
			Schema: ActionSchema{Input: obj(nil, map[string]any{"entityRef": typ("string", "Entity reference"), "entityRefs": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				"optional": typ("boolean", "Optional"), "defaultKind": typ("string", "Default kind"), "defaultNamespace": typ("string", "Default namespace")}),
				Output: obj(nil, map[string]any{"entity": typ("object", "Entity"), "entities": map[string]any{"type": "array"}})},
			Handler: catalogFetch},
		{ID: "catalog:register", Description: "Registers entities from a catalog descriptor file in the workspace into the software catalog.",
			ExampleOutput: map[string]any{"entityRef": "component:default/dry-run", "catalogInfoUrl": "https://example.com/catalog-info.yaml"},
			Schema: ActionSchema{Input: map[string]any{"oneOf": []any{
				obj([]string{"catalogInfoUrl"}, map[string]any{"catalogInfoUrl": typ("string", "Catalog Info URL"), "optional": typ("boolean", "Optional")}),
				obj([]string{"repoContentsUrl"}, map[string]any{"repoContentsUrl": typ("string", "Repository Contents URL"), "catalogInfoPath": typ("string", "Fetch URL"), "optional": typ("boolean", "Optional")}),
			}}, Output: obj(nil, map[string]any{"entityRef": typ("string", "Entity ref"), "catalogInfoUrl": typ("string", "Catalog info URL")})},
			Handler: catalogRegister},
		{ID: "publish:git", Description: "Initializes a git repository of the content in the workspace, and pushes it to any git remote.",
			ExampleOutput: map[string]any{"remoteUrl": "https://git.example.com/dry-run.git", "commitHash": "0000000000000000000000000000000000000000"},
			Schema: ActionSchema{Input: obj([]string{"remoteUrl"}, map[string]any{
				"remoteUrl": typ("string", "Remote URL"), "defaultBranch": typ("string", "Default Branch"), "sourcePath": typ("string", "Source Path"),
				"gitCommitMessage": typ("string", "Git Commit Message"), "gitAuthorName": typ("string", "Default Author Name"), "gitAuthorEmail": typ("string", "Default Author Email"),
				"token": typ("string", "Token"), "repoContentsUrl": typ("string", "Repository contents URL")}),
				Output: obj(nil, map[string]any{"remoteUrl": typ("string", "A URL to the repository"), "commitHash": typ("string", "The git commit hash"), "repoContentsUrl": typ("string", "A URL to the root of the repository")})},
			Handler: publishGit},
		publishGitHubAction(),
	}
}

func debugLog(_ context.Context, ac *ActionContext) error {
	if m, ok := ac.Input["message"]; ok {
		ac.Log("%s", nunjucks.JSString(m))
	}
	lw := ac.Input["listWorkspace"]
	if lw == true || lw == "with-filenames" || lw == "with-contents" {
		files, err := ac.Workspace.files(".")
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, f := range files {
			b.WriteString("\n" + f.Path)
			if lw == "with-contents" {
				b.WriteString(":\n" + string(f.Content))
			}
		}
		ac.Log("Workspace:%s", b.String())
	}
	return nil
}

func num(in map[string]any, k string) float64 {
	f, _ := in[k].(float64)
	return f
}

func debugWait(ctx context.Context, ac *ActionContext) error {
	d := time.Duration(num(ac.Input, "minutes")*float64(time.Minute) + num(ac.Input, "seconds")*float64(time.Second) + num(ac.Input, "milliseconds")*float64(time.Millisecond))
	if d > 10*time.Minute {
		return fmt.Errorf("Waiting duration is longer than the maximum threshold of 10 minutes")
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func fetchPlain(ctx context.Context, ac *ActionContext) error {
	url := str(ac.Input, "url", "")
	target := str(ac.Input, "targetPath", "./")
	if _, err := safeRel(target); err != nil {
		return fmt.Errorf("targetPath: %w", err)
	}
	ac.Log("Fetching plain content from remote URL")
	files, err := ac.source.tree(ctx, url)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ac.Workspace.write(path.Join(target, f.Path), f.Content, f.Executable); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
	}
	return nil
}

func fetchPlainFile(ctx context.Context, ac *ActionContext) error {
	target := str(ac.Input, "targetPath", "")
	if _, err := safeRel(target); err != nil {
		return fmt.Errorf("targetPath: %w", err)
	}
	f, err := ac.source.file(ctx, str(ac.Input, "url", ""))
	if err != nil {
		return err
	}
	return ac.Workspace.write(target, f.Content, f.Executable)
}

// skeletonEngine is fetch:template's engine for a skeleton's contents and names.
func skeletonEngine(in map[string]any) (*nunjucks.Engine, string) {
	cc := boolean(in, "cookiecutterCompat", false)
	key := "values"
	if cc {
		key = "cookiecutter"
	}
	return nunjucks.New(nunjucks.Options{Cookiecutter: cc, TrimBlocks: boolean(in, "trimBlocks", false), LstripBlocks: boolean(in, "lstripBlocks", false), Filters: filters(nil)}), key
}

func fetchTemplate(ctx context.Context, ac *ActionContext) error {
	in := ac.Input
	url := str(in, "url", "")
	target := str(in, "targetPath", "./")
	if _, err := safeRel(target); err != nil {
		return fmt.Errorf("targetPath: %w", err)
	}
	if in["copyWithoutRender"] != nil && in["copyWithoutTemplating"] != nil {
		return errors.New("copyWithoutRender and copyWithoutTemplating can not be used at the same time")
	}
	globs := append(strings_(in, "copyWithoutRender"), strings_(in, "copyWithoutTemplating")...)
	var matchers []*regexp.Regexp
	for _, g := range globs {
		matchers = append(matchers, globRegexp(g))
	}
	ext := ""
	switch v := in["templateFileExtension"].(type) {
	case bool:
		if v {
			ext = ".njk"
		}
	case string:
		ext = v
		if !strings.HasPrefix(ext, ".") {
			ext = "." + ext
		}
	}
	if ext != "" && boolean(in, "cookiecutterCompat", false) {
		return errors.New("input extension incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat")
	}
	eng, key := skeletonEngine(in)
	values, _ := in["values"].(map[string]any)
	if values == nil {
		values = map[string]any{}
	}
	scope := map[string]any{key: values}
	ac.Log("Fetching template content from remote URL")
	files, err := ac.source.tree(ctx, url)
	if err != nil {
		return err
	}
	ac.Log("Processing %d template files/directories with input values", len(files))
	replace := boolean(in, "replace", false)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw := false
		for _, m := range matchers {
			if m.MatchString(f.Path) {
				raw = true
				break
			}
		}
		renderContents := !raw
		out := f.Path
		if ext != "" {
			renderContents = path.Ext(f.Path) == ext
			if renderContents {
				out = strings.TrimSuffix(out, ext)
			}
		}
		if !raw {
			name, err := eng.Render(out, scope)
			if err != nil {
				return fmt.Errorf("file name %s: %w", f.Path, err)
			}
			out = name
		}
		if skippedPath(out) {
			continue
		}
		dest, err := safeRel(path.Join(target, out))
		if err != nil {
			return fmt.Errorf("skeleton file %s renders to %q: %w", f.Path, out, err)
		}
		if !replace && ac.Workspace.exists(dest) {
			ac.Log("Skipping %s because it already exists", dest)
			continue
		}
		content := f.Content
		if renderContents && !binary(content) {
			s, err := eng.Render(string(content), scope)
			if err != nil {
				return fmt.Errorf("skeleton file %s: %w", f.Path, err)
			}
			content = []byte(s)
		}
		if err := ac.Workspace.write(dest, content, f.Executable); err != nil {
			return fmt.Errorf("writing %s: %w", dest, err)
		}
	}
	ac.Log("Template result written to %s", target)
	return nil
}

func fetchTemplateFile(ctx context.Context, ac *ActionContext) error {
	in := ac.Input
	target := str(in, "targetPath", "")
	dest, err := safeRel(target)
	if err != nil {
		return fmt.Errorf("targetPath: %w", err)
	}
	if !boolean(in, "replace", false) && ac.Workspace.exists(dest) {
		ac.Log("File %s already exists in workspace, not replacing", dest)
		return nil
	}
	f, err := ac.source.file(ctx, str(in, "url", ""))
	if err != nil {
		return err
	}
	eng, key := skeletonEngine(in)
	values, _ := in["values"].(map[string]any)
	content := f.Content
	if !binary(content) {
		s, err := eng.Render(string(content), map[string]any{key: values})
		if err != nil {
			return fmt.Errorf("%s: %w", str(in, "url", ""), err)
		}
		content = []byte(s)
	}
	return ac.Workspace.write(dest, content, f.Executable)
}

// skippedPath: a path with an empty segment (one that rendered empty) is skipped.
func skippedPath(p string) bool {
	return p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//")
}

func binary(b []byte) bool {
	head := b
	if len(head) > 8000 {
		head = head[:8000]
	}
	return bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head)
}

// globRegexp compiles a glob (`*`, `**`, `?`) as globby matches a path.
func globRegexp(g string) *regexp.Regexp {
	g = strings.TrimPrefix(g, "./")
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(g) && g[i+1] == '/' {
				i++
				b.WriteString("/?")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	// A directory matches everything below it.
	b.WriteString("(/.*)?$")
	return regexp.MustCompile(b.String())
}

func fsDelete(_ context.Context, ac *ActionContext) error {
	files := strings_(ac.Input, "files")
	for _, f := range files {
		rel, err := safeRel(f)
		if err != nil {
			return fmt.Errorf("files: %w", err)
		}
		if rel == "." {
			return fmt.Errorf("files: %q is the workspace itself", f)
		}
		if err := ac.Workspace.root.RemoveAll(rel); err != nil {
			return fmt.Errorf("deleting %s: %w", f, err)
		}
		ac.Workspace.forget()
		ac.Log("File %s deleted successfully", f)
	}
	return nil
}

func fsRename(_ context.Context, ac *ActionContext) error {
	l, _ := ac.Input["files"].([]any)
	for _, it := range l {
		m, _ := it.(map[string]any)
		from, err := safeRel(str(m, "from", ""))
		if err != nil {
			return fmt.Errorf("from: %w", err)
		}
		to, err := safeRel(str(m, "to", ""))
		if err != nil {
			return fmt.Errorf("to: %w", err)
		}
		if !ac.Workspace.exists(from) {
			return fmt.Errorf("the file %s does not exist", from)
		}
		if ac.Workspace.exists(to) {
			if !boolean(m, "overwrite", false) {
				return fmt.Errorf("the file %s already exists", to)
			}
			if err := ac.Workspace.root.RemoveAll(to); err != nil {
				return err
			}
		}
		if d := path.Dir(to); d != "." {
			if err := ac.Workspace.root.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if err := ac.Workspace.root.Rename(from, to); err != nil {
			return fmt.Errorf("renaming %s to %s: %w", from, to, err)
		}
		ac.Workspace.forget()
	}
	return nil
}

func catalogWrite(_ context.Context, ac *ActionContext) error {
	ac.Log("Writing catalog-info.yaml")
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(ac.Input["entity"]); err != nil {
		return err
	}
	return ac.Workspace.write(str(ac.Input, "filePath", "catalog-info.yaml"), b.Bytes(), false)
}

func catalogFetch(ctx context.Context, ac *ActionContext) error {
	if ac.catalog == nil {
		return errors.New("the catalog is not available to the scaffolder")
	}
	optional := boolean(ac.Input, "optional", false)
	ref := str(ac.Input, "entityRef", "")
	refs := strings_(ac.Input, "entityRefs")
	if ref == "" && refs == nil {
		return errors.New("Missing entity reference or references")
	}
	get := func(r string) (any, error) {
		full, err := qualify(r, str(ac.Input, "defaultKind", ""), str(ac.Input, "defaultNamespace", "default"))
		if err != nil {
			return nil, err
		}
		e, err := ac.catalog.Entity(ctx, full)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if optional {
				return nil, nil
			}
			return nil, fmt.Errorf("Entity %s not found", r)
		}
		return e, nil
	}
	if ref != "" {
		e, err := get(ref)
		if err != nil {
			return err
		}
		ac.Output("entity", e)
	}
	if refs != nil {
		out := []any{}
		for _, r := range refs {
			e, err := get(r)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		ac.Output("entities", out)
	}
	return nil
}

func catalogRegister(ctx context.Context, ac *ActionContext) error {
	if ac.catalog == nil {
		return errors.New("the catalog is not available to the scaffolder")
	}
	u := str(ac.Input, "catalogInfoUrl", "")
	if u == "" {
		base := str(ac.Input, "repoContentsUrl", "")
		if base == "" {
			return errors.New("give catalogInfoUrl, or repoContentsUrl with catalogInfoPath")
		}
		u = strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(str(ac.Input, "catalogInfoPath", "/catalog-info.yaml"), "/")
	}
	ac.Log("Registering %s in the catalog", u)
	refs, err := ac.catalog.Register(ctx, u)
	if err != nil {
		if boolean(ac.Input, "optional", false) {
			ac.Log("Failed to register %s: %v", u, err)
			return nil
		}
		return err
	}
	ac.Output("catalogInfoUrl", u)
	var chosen string
	for _, r := range refs {
		if !strings.HasPrefix(strings.ToLower(r), "location:") {
			chosen = r
			break
		}
	}
	if chosen == "" && len(refs) > 0 {
		chosen = refs[0]
	}
	if chosen != "" {
		ac.Output("entityRef", chosen)
	}
	return nil
}

// publishGit makes the workspace (or sourcePath) one commit and pushes it to remoteUrl.
func publishGit(ctx context.Context, ac *ActionContext) error {
	in := ac.Input
	remote := str(in, "remoteUrl", "")
	if !(strings.HasPrefix(remote, "https://") || strings.HasPrefix(remote, "http://") || strings.HasPrefix(remote, "ssh://") || strings.HasPrefix(remote, "git://")) {
		return fmt.Errorf("remoteUrl %q: give an http(s), ssh or git URL", remote)
	}
	src, err := safeRel(str(in, "sourcePath", "."))
	if err != nil {
		return fmt.Errorf("sourcePath: %w", err)
	}
	branch := str(in, "defaultBranch", "master")
	hash, err := gitPush(ctx, ac, path.Join(ac.Workspace.dir, src), remote, branch, str(in, "token", ""),
		str(in, "gitCommitMessage", ac.cfg.DefaultCommitMessage), str(in, "gitAuthorName", ac.cfg.DefaultAuthor.Name), str(in, "gitAuthorEmail", ac.cfg.DefaultAuthor.Email))
	if err != nil {
		return err
	}
	ac.Output("remoteUrl", remote)
	ac.Output("commitHash", hash)
	if c := str(in, "repoContentsUrl", ""); c != "" {
		ac.Output("repoContentsUrl", c)
	}
	return nil
}

// gitPush runs git (Debian's, on the PATH) with no user or system config, no prompt,
// and only network protocols, so that a template cannot push into the host's disk.
func gitPush(ctx context.Context, ac *ActionContext, dir, remote, branch, token, msg, name, email string) (string, error) {
	env := append(os.Environ()[:0:0],
		"PATH="+os.Getenv("PATH"), "HOME="+dir, "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_ALLOW_PROTOCOL=http:https:ssh:git",
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("git %s: %v: %s", args[0], err, strings.TrimSpace(string(out)))
		}
		return strings.TrimSpace(string(out)), nil
	}
	if _, err := git("init", "-q", "-b", branch); err != nil {
		return "", err
	}
	if _, err := git("add", "-A"); err != nil {
		return "", err
	}
	if _, err := git("commit", "-q", "--allow-empty", "-m", msg); err != nil {
		return "", err
	}
	push := []string{}
	if token != "" {
		cred := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
		push = append(push, "-c", "http.extraHeader=Authorization: Basic "+cred)
	}
	push = append(push, "push", "-q", remote, "HEAD:refs/heads/"+branch)
	ac.Log("Pushing to %s", remote)
	if _, err := git(push...); err != nil {
		return "", err
	}
	return git("rev-parse", "HEAD")
}

// qualify makes ref a full kind:namespace/name ref with the defaults.
func qualify(ref, kind, namespace string) (string, error) {
	r, err := model.ParseRef(ref, model.RefContext{DefaultKind: kind, DefaultNamespace: namespace})
	if err != nil {
		return "", err
	}
	return strings.ToLower(r.Kind) + ":" + r.Namespace + "/" + r.Name, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
