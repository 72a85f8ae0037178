package awssim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The envelopes below mirror what the SDK deserializers read: ec2query's
// GetErrorResponseComponents (Response/Errors/Error), awsquery's awsxml
// GetErrorResponseComponents (ErrorResponse/Error), awsjson's X-Amzn-ErrorType/__type and
// s3shared's Error/Code; RPC v2 CBOR's __type and message (cbor.go).

type ec2ErrorEnvelope struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

type queryErrorEnvelope struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

type restXMLError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
}

// innerXML marshals v's fields without an enclosing element, so they can be placed inside
// the protocol's response wrapper.
func innerXML(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, fmt.Errorf("marshal response: %w", err)
	}
	b := buf.Bytes()
	b = bytes.TrimPrefix(b, []byte("<x>"))
	b = bytes.TrimSuffix(b, []byte("</x>"))
	if bytes.Equal(b, []byte("<x/>")) {
		return nil, nil
	}
	return b, nil
}

func writeXML(w http.ResponseWriter, status int, header http.Header, body []byte) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// writeResult encodes a successful operation result in the service's protocol.
func writeResult(w http.ResponseWriter, p Protocol, svc *Service, c *Call, out any) error {
	if raw, ok := out.(*RawResponse); ok {
		for k, v := range raw.Header {
			w.Header()[k] = v
		}
		w.Header().Set("x-amz-request-id", c.RequestID)
		status := raw.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(raw.Body)
		return nil
	}
	switch p {
	case EC2Query:
		inner, err := innerXML(out)
		if err != nil {
			return err
		}
		body := fmt.Sprintf(`<%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>`,
			c.Op, svc.XMLNS, c.RequestID, inner, c.Op)
		writeXML(w, http.StatusOK, nil, []byte(body))
	case AWSQuery:
		inner, err := innerXML(out)
		if err != nil {
			return err
		}
		body := fmt.Sprintf(`<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
			c.Op, svc.XMLNS, c.Op, inner, c.Op, c.RequestID, c.Op)
		writeXML(w, http.StatusOK, nil, []byte(body))
	case JSON10, JSON11, RPCv2CBOR:
		if out == nil {
			out = struct{}{}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("marshal %s response: %w", c.Op, err)
		}
		if p == RPCv2CBOR {
			if b, err = jsonToCBOR(b); err != nil {
				return fmt.Errorf("encode %s response: %w", c.Op, err)
			}
			writeCBOR(w, http.StatusOK, c.RequestID, b)
			return nil
		}
		w.Header().Set("Content-Type", svc.Protocol.contentType())
		w.Header().Set("X-Amzn-RequestId", c.RequestID)
		_, _ = w.Write(b)
	case RESTXML:
		w.Header().Set("x-amz-request-id", c.RequestID)
		if out == nil {
			w.WriteHeader(http.StatusOK)
			return nil
		}
		b, err := xml.Marshal(out)
		if err != nil {
			return fmt.Errorf("marshal %s response: %w", c.Op, err)
		}
		writeXML(w, http.StatusOK, nil, b)
	}
	return nil
}

// writeError encodes an API error in the protocol's error envelope.
func writeError(w http.ResponseWriter, p Protocol, xmlns, requestID string, e *APIError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	switch p {
	case EC2Query:
		b, _ := xml.Marshal(ec2ErrorEnvelope{Code: e.Code, Message: e.Message, RequestID: requestID})
		writeXML(w, status, nil, b)
	case AWSQuery:
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		b, _ := xml.Marshal(queryErrorEnvelope{Xmlns: xmlns, Type: typ, Code: e.Code, Message: e.Message, RequestID: requestID})
		writeXML(w, status, nil, b)
	case JSON10, JSON11:
		w.Header().Set("Content-Type", p.contentType())
		w.Header().Set("X-Amzn-RequestId", requestID)
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		_, _ = w.Write(b)
	case RPCv2CBOR:
		writeCBOR(w, status, requestID, cbor.Encode(cbor.Map{"__type": cbor.String(e.Code), "message": cbor.String(e.Message)}))
	case RESTXML:
		w.Header().Set("x-amz-request-id", requestID)
		b, _ := xml.Marshal(restXMLError{Code: e.Code, Message: e.Message, RequestID: requestID})
		writeXML(w, status, nil, b)
	}
}
