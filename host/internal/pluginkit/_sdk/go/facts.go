package greenroom

// Fact is one fact about a catalog entity, which scorecards' rules read as
// facts["<Name>"]: Value is a number, a string or a boolean; nil removes the fact.
type Fact struct {
	// EntityRef is the entity, "kind:namespace/name".
	EntityRef string `json:"entityRef"`
	// Name is the fact's name, such as ci.successRate30d: a letter, then letters,
	// digits, '.', '_' or '-' (at most 64).
	Name  string `json:"name"`
	Value any    `json:"value"`
}

type factsPublish struct {
	Facts []Fact `json:"facts"`
}

type factsPublishResult struct {
	Changed int `json:"changed"`
}

// PublishFacts publishes facts about catalog entities for the host's scorecards, all
// or none, and returns how many entities' facts changed. Each entity must be one the
// caller may read, of a kind the grant allows (capability_denied otherwise); a call
// over the host's limits is too_large. Needs capability facts.write.
func PublishFacts(facts []Fact) (int, error) {
	if facts == nil {
		facts = []Fact{}
	}
	var res factsPublishResult
	if err := call(fnFactsPublish, &factsPublish{Facts: facts}, &res); err != nil {
		return 0, err
	}
	return res.Changed, nil
}
