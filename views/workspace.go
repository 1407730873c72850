package views

import (
	"io"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// TypeWorkspaceList is the "type" of the document of ferry workspace list --json.
const TypeWorkspaceList = "workspace_list"

// WorkspaceList is the report of ferry workspace list: the workspaces of a PostgreSQL backend's
// schema and the one the spec directory uses.
type WorkspaceList struct {
	Header
	// Schema is the backend's schema.
	Schema string `json:"schema"`
	// Current is the workspace in use.
	Current string `json:"current"`
	// Workspaces lists every workspace with a state, by name.
	Workspaces []WorkspaceItem `json:"workspaces"`
	// CurrentIsNew is set when the current workspace has no state yet (it is not in Workspaces).
	CurrentIsNew bool `json:"-"`
}

// WorkspaceItem is one workspace: its snapshot row's serial and resource count (journal not
// counted) and when that row was last written.
type WorkspaceItem struct {
	Name      string    `json:"name"`
	Serial    uint64    `json:"serial"`
	Resources int       `json:"resources"`
	Updated   time.Time `json:"updated"`
	Current   bool      `json:"-"`
}

// NewWorkspaceList builds the report from the backend's list.
func NewWorkspaceList(schema, current string, ws []state.WorkspaceInfo) *WorkspaceList {
	l := &WorkspaceList{Header: header(TypeWorkspaceList), Schema: schema, Current: current, Workspaces: []WorkspaceItem{}, CurrentIsNew: true}
	for _, w := range ws {
		it := WorkspaceItem{Name: w.Name, Serial: w.Serial, Resources: w.Resources, Updated: w.Updated.UTC(), Current: w.Name == current}
		if it.Current {
			l.CurrentIsNew = false
		}
		l.Workspaces = append(l.Workspaces, it)
	}
	return l
}

var workspaceListTemplate = parse("workspace_list", `{{define "workspace_list"}}`+
	`{{range .Workspaces}}{{if .Current}}*{{else}} {{end}} {{esc .Name}}`+"\t"+`{{.Resources}} resource(s), serial {{.Serial}}`+"\n"+`{{end}}`+
	`{{if .CurrentIsNew}}* {{esc .Current}}`+"\t"+`(nothing written yet)`+"\n"+`{{end}}{{end}}`)

// WriteWorkspaceList writes the list as text (the current workspace marked "*"), or as one JSON line
// when asJSON.
func WriteWorkspaceList(w io.Writer, l *WorkspaceList, asJSON bool) error {
	if asJSON {
		return writeJSON(w, l, false)
	}
	return render(w, workspaceListTemplate, "workspace_list", style{}, l)
}
