// Package sample is what configdoc's test reads.
package sample

// Section is an example section:
//
//	section:
//	  name: x
type Section struct {
	// Name names it. It is
	// written on two lines.
	Name string `yaml:"name"`
	// Rules:
	//   - one;
	//   - two.
	Rules []string `yaml:"rules"`
	Port  int      `yaml:"port"` // Port is documented after the field.
	Bare  bool     `yaml:"bare"`
	// Skipped is not config.
	Skipped string `yaml:"-"`
	hidden  string
}
