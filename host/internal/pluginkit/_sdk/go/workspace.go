package greenroom

// ActionRequest is the input of gr_action: run the manifest's action Action with
// Input in task TaskID; the Workspace* functions reach that task's workspace during
// the call.
type ActionRequest struct {
	Action      string         `json:"action"`
	Input       map[string]any `json:"input"`
	TaskID      string         `json:"taskId"`
	TemplateRef string         `json:"templateRef,omitempty"`
	User        string         `json:"user,omitempty"`
	DryRun      bool           `json:"dryRun,omitempty"`
}

// ActionResult is what gr_action returns: the step's outputs and lines for the log.
type ActionResult struct {
	Output map[string]any `json:"output,omitempty"`
	Log    []string       `json:"log,omitempty"`
}

type workspacePath struct {
	Path string `json:"path,omitempty"`
}

type workspaceFile struct {
	Path       string `json:"path"`
	Content    []byte `json:"content"`
	Executable bool   `json:"executable,omitempty"`
}

type workspaceContent struct {
	Content []byte `json:"content"`
}

type workspaceFiles struct {
	Files []string `json:"files"`
}

// WorkspaceRead reads a file of the running action's task workspace, by a path
// relative to it. Needs capability workspace.
func WorkspaceRead(path string) ([]byte, error) {
	var out workspaceContent
	if err := call(fnWorkspaceRead, workspacePath{path}, &out); err != nil {
		return nil, err
	}
	return out.Content, nil
}

// WorkspaceWrite writes a file into the task's workspace, creating its directories.
// Needs capability workspace.
func WorkspaceWrite(path string, content []byte, executable bool) error {
	return call(fnWorkspaceWrite, workspaceFile{path, content, executable}, nil)
}

// WorkspaceList lists the files below path ("" for all) of the task's workspace.
// Needs capability workspace.
func WorkspaceList(path string) ([]string, error) {
	var out workspaceFiles
	if err := call(fnWorkspaceList, workspacePath{path}, &out); err != nil {
		return nil, err
	}
	return out.Files, nil
}
