package capability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/scorecard"
)

// The facts.write capability: a plugin publishes facts about catalog entities that
// its caller may read, of the kinds its grant names, for scorecards' rules.

// factsTarget is what the audit log records of a call: how many facts, about how many
// entities, and the first entity.
func factsTarget(r *abi.FactsPublishRequest) string {
	ents := map[string]bool{}
	for _, f := range r.Facts {
		ents[strings.ToLower(f.EntityRef)] = true
	}
	s := strconv.Itoa(len(r.Facts)) + " facts about " + strconv.Itoa(len(ents)) + " entities"
	if len(r.Facts) > 0 {
		s += " (" + r.Facts[0].EntityRef + ", ...)"
	}
	return s
}

func factsPublish(s *Services, p *config.Plugin) Call[abi.FactsPublishRequest, abi.FactsPublishResult] {
	g := p.Grants.FactsWrite
	if s.Facts == nil || s.Catalog == nil || g == nil {
		return nil
	}
	return func(ctx context.Context, r *abi.FactsPublishRequest) (abi.FactsPublishResult, error) {
		facts := make([]scorecard.Fact, len(r.Facts))
		keys := make([]string, 0, len(r.Facts))
		seen := map[string]bool{}
		for i, f := range r.Facts {
			ref, err := model.ParseRef(f.EntityRef, model.RefContext{})
			if err != nil {
				return abi.FactsPublishResult{}, abi.Errorf(abi.CodeInvalidArgument, "facts_publish: facts[%d]: entityRef %q: %v", i, f.EntityRef, err)
			}
			if len(g.Kinds) > 0 && !slices.ContainsFunc(g.Kinds, func(k string) bool { return strings.EqualFold(k, ref.Kind) }) {
				return abi.FactsPublishResult{}, abi.Errorf(abi.CodeCapabilityDenied, "facts_publish: plugin %s may not publish facts about %s: its facts.write grant allows kinds %s (add the kind to %s.grants[\"facts.write\"].kinds)", p.ID, f.EntityRef, strings.Join(g.Kinds, ", "), p.Path())
			}
			var v any
			if raw := bytes.TrimSpace(f.Value); len(raw) > 0 {
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				if err := dec.Decode(&v); err != nil {
					return abi.FactsPublishResult{}, abi.Errorf(abi.CodeInvalidArgument, "facts_publish: facts[%d] (%s): value: %v", i, f.EntityRef, err)
				}
			}
			facts[i] = scorecard.Fact{Entity: ref.Key(), Name: f.Name, Value: v}
			if !seen[ref.Key()] {
				seen[ref.Key()] = true
				keys = append(keys, ref.Key())
			}
		}
		// Only entities the caller may read: a plugin cannot learn, or rate, what its
		// caller cannot see.
		v, err := s.readable(ctx)
		if err != nil {
			return abi.FactsPublishResult{}, err
		}
		for i, ok := range v.Has(keys) {
			if !ok {
				return abi.FactsPublishResult{}, abi.Errorf(abi.CodeCapabilityDenied, "facts_publish: plugin %s may not publish facts about %s: there is no such entity, or its caller may not read it; nothing of this call was published", p.ID, keys[i])
			}
		}
		n, err := s.Facts.Publish(p.ID, facts)
		switch {
		case errors.Is(err, scorecard.ErrBadFact):
			return abi.FactsPublishResult{}, abi.Errorf(abi.CodeInvalidArgument, "facts_publish: %v", err)
		case errors.Is(err, scorecard.ErrFlood), errors.Is(err, scorecard.ErrTooMany):
			return abi.FactsPublishResult{}, abi.Errorf(abi.CodeTooLarge, "facts_publish: %v", err)
		case err != nil:
			return abi.FactsPublishResult{}, abi.Errorf(abi.CodeInternal, "facts_publish: %v", err)
		}
		return abi.FactsPublishResult{Changed: n}, nil
	}
}
