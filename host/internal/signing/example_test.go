package signing_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"

	"greenroom.dev/greenroom/host/internal/signing"
)

// A release machine signs a packed plugin; the host verifies it against its trusted keys.
func Example() {
	wasm, err := os.ReadFile("../../../examples/hello-c/hello-c.wasm")
	if err != nil {
		panic(err)
	}
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	signed, err := signing.Sign(wasm, priv)
	if err != nil {
		panic(err)
	}
	trusted := []signing.PublicKey{signing.NewPublicKey(priv.Public().(ed25519.PublicKey))}
	res, err := signing.Verify(signed, trusted)
	fmt.Println(res.Status, res.KeyID, err)

	signed[len(signed)/2] ^= 1 // any changed byte
	_, err = signing.Check(signed, trusted, false)
	fmt.Println(err != nil)
	// Output:
	// signed-trusted 34750f98bd59fcfc <nil>
	// true
}
