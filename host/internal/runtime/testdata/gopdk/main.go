// Command gopdk is a test guest built with the official Extism Go PDK (go-pdk v1.1.3)
// for GOOS=wasip1 GOARCH=wasm -buildmode=c-shared. The runtime's tests run it through
// Greenroom's native extism:host/env and through extism go-sdk, and compare.
package main

import (
	"errors"
	"strconv"
	"time"

	"github.com/extism/go-pdk"
)

// echo returns its input unchanged.
//
//go:wasmexport echo
func echo() int32 {
	pdk.Output(pdk.Input())
	return 0
}

// greet says hello to its input, using the "greeting" config value when it is set.
//
//go:wasmexport greet
func greet() int32 {
	greeting, ok := pdk.GetConfig("greeting")
	if !ok {
		greeting = "hello"
	}
	pdk.OutputString(greeting + ", " + pdk.InputString())
	return 0
}

// count increments a per-instance var and returns its new value.
//
//go:wasmexport count
func count() int32 {
	n := pdk.GetVarInt("count") + 1
	pdk.SetVarInt("count", n)
	pdk.OutputString(strconv.Itoa(n))
	return 0
}

// vowels counts the vowels of its input, as Extism's count_vowels example does.
//
//go:wasmexport vowels
func vowels() int32 {
	n := 0
	for _, c := range pdk.Input() {
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
			n++
		}
	}
	pdk.OutputString(`{"count":` + strconv.Itoa(n) + `}`)
	return 0
}

// fail reports an error through error_set.
//
//go:wasmexport fail
func fail() int32 {
	pdk.SetError(errors.New("no such thing: " + pdk.InputString()))
	return 1
}

// logs writes one line at each level and returns the host's log level.
//
//go:wasmexport logs
func logs() int32 {
	pdk.Log(pdk.LogDebug, "debug from go")
	pdk.Log(pdk.LogInfo, "info from go")
	pdk.Log(pdk.LogWarn, "warn from go")
	pdk.Log(pdk.LogError, "error from go")
	pdk.OutputString("logged")
	return 0
}

// spin never returns.
//
//go:wasmexport spin
func spin() int32 {
	x := uint64(1)
	for {
		x = x*6364136223846793005 + 1442695040888963407
		if x == 0 {
			break
		}
	}
	pdk.OutputString(strconv.FormatUint(x, 10))
	return 0
}

// nap sleeps for an hour (WASI poll_oneoff).
//
//go:wasmexport nap
func nap() int32 {
	time.Sleep(time.Hour)
	return 0
}

func main() {}
