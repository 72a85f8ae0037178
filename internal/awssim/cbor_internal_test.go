package awssim

import (
	"reflect"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"
)

func TestCBORToJSON(t *testing.T) {
	for _, tc := range []struct {
		in   cbor.Value
		want string
	}{
		{cbor.Map{}, `{}`},
		{cbor.Map{"n": cbor.NegInt(5), "u": cbor.Uint(7), "f": cbor.Float32(0.5)}, `{"f":0.5,"n":-5,"u":7}`},
		{cbor.Map{"blob": cbor.Slice("hi")}, `{"blob":"aGk="}`},                    // base64, as awsJson sends blobs
		{cbor.Map{"at": &cbor.Tag{ID: 1, Value: cbor.Float64(1.5)}}, `{"at":1.5}`}, // epoch seconds, as awsJson sends timestamps
		{cbor.Map{"l": cbor.List{cbor.String("a"), cbor.Bool(true), &cbor.Nil{}}}, `{"l":["a",true,null]}`},
	} {
		got, err := cborToJSON(cbor.Encode(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("cborToJSON(%#v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := cborToJSON([]byte{0xbf, 0x61}); err == nil || err.Code != "SerializationException" {
		t.Errorf("truncated CBOR: %v", err)
	}
}

func TestJSONToCBOR(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cbor.Value
	}{
		{`{}`, cbor.Map{}},
		{`{"n":-3,"u":2,"f":2.5}`, cbor.Map{"n": cbor.NegInt(3), "u": cbor.Uint(2), "f": cbor.Float64(2.5)}},
		{`{"s":"x","l":[true,null],"m":{"k":"v"}}`, cbor.Map{"s": cbor.String("x"), "l": cbor.List{cbor.Bool(true), &cbor.Nil{}},
			"m": cbor.Map{"k": cbor.String("v")}}},
	} {
		b, err := jsonToCBOR([]byte(tc.in))
		if err != nil {
			t.Fatalf("jsonToCBOR(%s): %v", tc.in, err)
		}
		got, err := cbor.Decode(b)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("jsonToCBOR(%s) decodes to %#v (%v), want %#v", tc.in, got, err, tc.want)
		}
	}
}
