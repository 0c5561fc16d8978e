package greenroom

import "encoding/json"

// finish sets the call's output or, on err, its error (a JSON {"code","message"}) and
// returns the export's result code.
func finish(out []byte, err *Error) int32 {
	if err != nil {
		b, _ := json.Marshal(err)
		current.setError(b)
		return 1
	}
	if out != nil {
		current.setOutput(out)
	}
	return 0
}
