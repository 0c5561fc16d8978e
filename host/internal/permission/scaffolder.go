package permission

// The scaffolder's permissions (Backstage's scaffolder-common): creating, reading and
// cancelling tasks, and running an action in a task (decided for the task's creator).
// scaffolder.action.execute is not in Known: a policy may grant it with the action
// use or with conditions on resource type scaffolder-action (HAS_ACTION_ID).
const (
	ScaffolderActionResource   = "scaffolder-action"
	ScaffolderTemplateResource = "scaffolder-template"
)

var (
	ScaffolderTaskCreate    = Permission{Type: Basic, Name: "scaffolder.task.create"}
	ScaffolderTaskRead      = Permission{Type: Basic, Name: "scaffolder.task.read", Attributes: Attributes{Action: Read}}
	ScaffolderTaskCancel    = Permission{Type: Basic, Name: "scaffolder.task.cancel"}
	ScaffolderActionExecute = Permission{Type: Resource, Name: "scaffolder.action.execute", ResourceType: ScaffolderActionResource}
)

// RuleHasActionID is the scaffolder-action rule HAS_ACTION_ID {actionId}.
const RuleHasActionID = "HAS_ACTION_ID"

func init() {
	Known = append(Known,
		KnownPermission{ScaffolderTaskCreate, "scaffolder"}, KnownPermission{ScaffolderTaskRead, "scaffolder"},
		KnownPermission{ScaffolderTaskCancel, "scaffolder"})
}
