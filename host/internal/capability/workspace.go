package capability

import (
	"context"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/scaffolder"
)

// The workspace capability: a plugin's scaffolder action reads, writes and lists the
// files of the task it runs in, and nothing else. Outside a gr_action call there is no
// workspace, and every call fails.

func workspaceOf(ctx context.Context, fn string) (scaffolder.TaskWorkspace, error) {
	w, ok := scaffolder.WorkspaceFrom(ctx)
	if !ok {
		return nil, abi.Errorf(abi.CodeUnavailable, "%s: there is no task workspace outside a gr_action call", fn)
	}
	return w, nil
}

func workspaceRead(*Services, *config.Plugin) Call[abi.WorkspaceReadRequest, abi.WorkspaceReadResult] {
	return func(ctx context.Context, r *abi.WorkspaceReadRequest) (abi.WorkspaceReadResult, error) {
		w, err := workspaceOf(ctx, "workspace_read")
		if err != nil {
			return abi.WorkspaceReadResult{}, err
		}
		b, err := w.Read(r.Path)
		if err != nil {
			return abi.WorkspaceReadResult{}, abi.Errorf(abi.CodeInvalidArgument, "workspace_read: %v", err)
		}
		return abi.WorkspaceReadResult{Content: b}, nil
	}
}

func workspaceWrite(*Services, *config.Plugin) Call[abi.WorkspaceWriteRequest, struct{}] {
	return func(ctx context.Context, r *abi.WorkspaceWriteRequest) (struct{}, error) {
		w, err := workspaceOf(ctx, "workspace_write")
		if err != nil {
			return struct{}{}, err
		}
		if err := w.Write(r.Path, r.Content, r.Executable); err != nil {
			return struct{}{}, abi.Errorf(abi.CodeInvalidArgument, "workspace_write: %v", err)
		}
		return struct{}{}, nil
	}
}

func workspaceList(*Services, *config.Plugin) Call[abi.WorkspaceListRequest, abi.WorkspaceListResult] {
	return func(ctx context.Context, r *abi.WorkspaceListRequest) (abi.WorkspaceListResult, error) {
		w, err := workspaceOf(ctx, "workspace_list")
		if err != nil {
			return abi.WorkspaceListResult{}, err
		}
		files, err := w.List(r.Path)
		if err != nil {
			return abi.WorkspaceListResult{}, abi.Errorf(abi.CodeInvalidArgument, "workspace_list: %v", err)
		}
		if files == nil {
			files = []string{}
		}
		return abi.WorkspaceListResult{Files: files}, nil
	}
}
