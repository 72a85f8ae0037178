package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Smithy RPC v2 CBOR: POST /service/<ServiceName>/operation/<Operation> with the header
// Smithy-Protocol: rpc-v2-cbor and CBOR bodies, errors as a CBOR map of __type and message.
// AWS serves some awsJson services this way too, and their newer SDK clients prefer it
// (resourcegroupstaggingapi since v1.42.0). A service that sets Service.CBOR is reached
// this way as well: the request body is turned into the JSON its operation reads (byte
// strings as base64, epoch timestamps as numbers, as awsJson writes them) and the JSON
// output back into CBOR. On the way back a number or string cannot be told from a
// timestamp or blob, so an operation whose output has timestamps or blobs cannot be
// served this way; none of those of the services that set CBOR has.

const smithyProtocolCBOR = "rpc-v2-cbor"

// isCBOR reports whether a request speaks RPC v2 CBOR.
func isCBOR(r *http.Request) bool { return r.Header.Get("Smithy-Protocol") == smithyProtocolCBOR }

// cborTarget reads the service shape name and operation from an RPC v2 path.
func cborTarget(path string) (service, op string) {
	rest, _ := strings.CutPrefix(path, "/service/")
	service, op, _ = strings.Cut(rest, "/operation/")
	return service, op
}

// cborToJSON turns a CBOR request body into the awsJson body of the same input.
func cborToJSON(body []byte) ([]byte, *APIError) {
	if len(body) == 0 {
		return nil, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, Errorf("SerializationException", "cannot decode CBOR request: %v", err)
	}
	b, err := json.Marshal(cborToAny(v))
	if err != nil {
		return nil, Errorf("SerializationException", "cannot decode CBOR request: %v", err)
	}
	return b, nil
}

func cborToAny(v cbor.Value) any {
	switch v := v.(type) {
	case cbor.Uint:
		return uint64(v)
	case cbor.NegInt:
		return -int64(v) // the codec stores the magnitude: -100 is NegInt(100)
	case cbor.Float32:
		return float64(v)
	case cbor.Float64:
		return float64(v)
	case cbor.String:
		return string(v)
	case cbor.Slice:
		return base64.StdEncoding.EncodeToString(v)
	case cbor.Bool:
		return bool(v)
	case *cbor.Tag: // tag 1 (epoch seconds) and the rest: the tagged value
		return cborToAny(v.Value)
	case cbor.List:
		out := make([]any, len(v))
		for i, it := range v {
			out[i] = cborToAny(it)
		}
		return out
	case cbor.Map:
		out := make(map[string]any, len(v))
		for k, it := range v {
			out[k] = cborToAny(it)
		}
		return out
	}
	return nil // Nil and Undefined
}

// jsonToCBOR turns an awsJson output into CBOR.
func jsonToCBOR(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON output: %w", err)
	}
	return cbor.Encode(anyToCBOR(v)), nil
}

func anyToCBOR(v any) cbor.Value {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			if n < 0 {
				return cbor.NegInt(-n)
			}
			return cbor.Uint(n)
		}
		f, _ := v.Float64()
		return cbor.Float64(f)
	case string:
		return cbor.String(v)
	case bool:
		return cbor.Bool(v)
	case []any:
		out := make(cbor.List, len(v))
		for i, it := range v {
			out[i] = anyToCBOR(it)
		}
		return out
	case map[string]any:
		out := make(cbor.Map, len(v))
		for k, it := range v {
			out[k] = anyToCBOR(it)
		}
		return out
	}
	return &cbor.Nil{}
}

// writeCBOR writes a CBOR response with the RPC v2 headers.
func writeCBOR(w http.ResponseWriter, status int, requestID string, body []byte) {
	w.Header().Set("Smithy-Protocol", smithyProtocolCBOR)
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
