package agent

import (
	"encoding/json"

	"github.com/tetherhq/tether/wire"
)

// decodeErrorBody turns a SPEC F error body into a *wire.Error (nil if the
// body is not one).
func decodeErrorBody(b []byte) error {
	var body wire.ErrorBody
	if json.Unmarshal(b, &body) != nil || body.Error == nil || body.Error.Code == "" {
		return nil
	}
	if body.Error.Code.Known() {
		return wire.Err(body.Error.Code)
	}
	return body.Error
}
