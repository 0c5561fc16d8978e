package identity

import (
	"context"
	"reflect"
	"testing"
)

func TestPrincipal(t *testing.T) {
	u := NewUser("user:default/jane", []string{"group:default/team-a", "user:default/jane", "group:default/team-b"})
	if !reflect.DeepEqual(u.OwnershipEntityRefs, []string{"group:default/team-a", "group:default/team-b", "user:default/jane"}) {
		t.Errorf("ownership %v: the user once, sorted", u.OwnershipEntityRefs)
	}
	if !u.IsUser() || u.IsService() || !u.Authenticated() || u.Name() != "user:default/jane" || !u.MayReach("catalog") {
		t.Errorf("user %+v", u)
	}
	s := NewService("external:ci", AccessRestriction{Plugin: "catalog"})
	if !s.IsService() || s.Name() != "external:ci" || !s.MayReach("catalog") || s.MayReach("hello-go") {
		t.Errorf("service %+v", s)
	}
	if Nobody.Authenticated() || Nobody.Name() != "anonymous" {
		t.Errorf("nobody %+v", Nobody)
	}
	ctx := With(context.Background(), u)
	if got := From(ctx); got.UserEntityRef != "user:default/jane" {
		t.Errorf("from ctx %+v", got)
	}
	if got := From(context.Background()); got.Type != None {
		t.Errorf("empty ctx %+v", got)
	}
}
