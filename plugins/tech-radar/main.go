// Command tech-radar is Greenroom's technology radar plugin: a page that draws the
// quadrants, rings and entries of its config as an SVG radar (the host's radar chart
// component) with a legend and the rings explained, and a nav item that links to it.
//
// The radar comes from the plugin's config (plugins[].config, schema in plugin.yaml);
// the page's path and the nav item's title and path from app.extensions.
package main

import (
	"fmt"
	"strings"
	"sync"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// Extension ids, as declared in plugin.yaml.
const (
	pageID = "page:tech-radar"
	navID  = "nav-item:tech-radar"
)

func init() {
	greenroom.Extension(pageID, func(r *greenroom.ExtensionRequest) (*greenroom.Outputs, error) {
		// Check the radar at start-up, so that a bad entry is a start-up problem that
		// names the extension, not only an error box on the page.
		if _, err := radar(); err != nil {
			return nil, err
		}
		path := r.ConfigString("path", "/tech-radar")
		if !strings.HasPrefix(path, "/") {
			return nil, greenroom.Errorf(greenroom.CodeInvalidArgument, "config path %q must start with /", path)
		}
		return &greenroom.Outputs{RoutePath: path, Element: greenroom.NoState}, nil
	})
	greenroom.Render(pageID, page)
	greenroom.NavItem(navID, "Tech Radar", "/tech-radar")
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

// Ring is one ring of the radar.
type Ring struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Entry is one technology on the radar.
type Entry struct {
	Name        string `json:"name"`
	Quadrant    string `json:"quadrant"`
	Ring        string `json:"ring"`
	Moved       string `json:"moved,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Config is the plugin's config; the host fills in the defaults of plugin.yaml.
type Config struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Quadrants   []string `json:"quadrants"`
	Rings       []Ring   `json:"rings"`
	Entries     []Entry  `json:"entries"`
}

// The config is the same for the life of an instance, so it is decoded once.
var (
	once     sync.Once
	cached   *Config
	radarErr error
	drawn    ui.Radar
)

func radar() (*Config, error) {
	once.Do(func() {
		var c Config
		if err := greenroom.DecodeConfig(&c); err != nil {
			radarErr = err
			return
		}
		drawn, radarErr = build(&c)
		cached = &c
	})
	return cached, radarErr
}

// build checks the config and places the entries by quadrant and ring index.
func build(c *Config) (ui.Radar, error) {
	if len(c.Quadrants) != 4 {
		return ui.Radar{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "config quadrants: the radar needs exactly 4 quadrants, got %d", len(c.Quadrants))
	}
	if len(c.Rings) < 1 || len(c.Rings) > 8 {
		return ui.Radar{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "config rings: the radar needs 1 to 8 rings, got %d", len(c.Rings))
	}
	r := ui.Radar{Quadrants: c.Quadrants, Entries: []ui.RadarEntry{}}
	var ringNames []string
	for _, ring := range c.Rings {
		r.Rings = append(r.Rings, ring.Name)
		ringNames = append(ringNames, ring.Name)
	}
	var problems []string
	for i, e := range c.Entries {
		q, ring := index(c.Quadrants, e.Quadrant), index(ringNames, e.Ring)
		if q < 0 {
			problems = append(problems, fmt.Sprintf("entries[%d] (%s): quadrant %q is not one of %s", i, e.Name, e.Quadrant, strings.Join(c.Quadrants, ", ")))
		}
		if ring < 0 {
			problems = append(problems, fmt.Sprintf("entries[%d] (%s): ring %q is not one of %s", i, e.Name, e.Ring, strings.Join(ringNames, ", ")))
		}
		moved := 0
		switch e.Moved {
		case "in":
			moved = 1
		case "out":
			moved = -1
		case "", "none":
		default:
			problems = append(problems, fmt.Sprintf("entries[%d] (%s): moved %q is not in, out or none", i, e.Name, e.Moved))
		}
		r.Entries = append(r.Entries, ui.RadarEntry{Label: e.Name, Quadrant: q, Ring: ring, Moved: moved, Href: e.URL, Description: e.Description})
	}
	if len(problems) > 0 {
		return ui.Radar{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "config: %s", strings.Join(problems, "; "))
	}
	return r, nil
}

func index(names []string, name string) int {
	for i, n := range names {
		if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

// page draws the radar, then explains the rings and lists what moved.
func page(*greenroom.RenderRequest) (ui.Node, error) {
	c, err := radar()
	if err != nil {
		return ui.Node{}, err
	}
	if len(c.Entries) == 0 {
		return ui.Page(c.Title, ui.Empty("The radar is empty", "Add entries under plugins[].config.entries of tech-radar in app-config.yaml.")).WithSubtitle(c.Description), nil
	}
	rings := ui.KV()
	for _, r := range c.Rings {
		rings.Pairs = append(rings.Pairs, ui.P(r.Name, ui.Text(r.Description)))
	}
	moved := ui.Table([]string{"Technology", "Quadrant", "Ring", "Moved"})
	for _, e := range drawn.Entries {
		if e.Moved == 0 {
			continue
		}
		badge := ui.Badge("moved in", ui.ToneSuccess)
		if e.Moved < 0 {
			badge = ui.Badge("moved out", ui.ToneWarning)
		}
		name := ui.Text(e.Label)
		if e.Href != "" {
			name = ui.Link(e.Label, e.Href)
		}
		moved.Rows = append(moved.Rows, ui.Row(name, ui.Text(drawn.Quadrants[e.Quadrant]), ui.Text(drawn.Rings[e.Ring]), badge))
	}
	content := []ui.Node{ui.RadarChart(drawn), ui.Grid(2, ui.Card("Rings", rings), movedCard(moved))}
	return ui.Page(c.Title, content...).WithSubtitle(c.Description), nil
}

func movedCard(t ui.Node) ui.Node {
	if len(t.Rows) == 0 {
		return ui.Card("Changes", ui.Text("Nothing moved since the last edition."))
	}
	return ui.Card("Changes", t)
}
