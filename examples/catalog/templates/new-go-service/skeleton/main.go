// Command ${{ values.name }} serves HTTP on port ${{ values.port }}.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from ${{ values.name }}")
	})
	log.Fatal(http.ListenAndServe(":${{ values.port }}", nil))
}
