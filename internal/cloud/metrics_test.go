package cloud

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// scrapeCalls reads flaskops_aws_api_calls_total{service, operation, code} the way the
// metrics endpoint serves it: from controller-runtime's registry.
func scrapeCalls(t *testing.T, service, operation, code string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"service": service, "operation": operation, "code": code}
	for _, f := range families {
		if f.GetName() != "flaskops_aws_api_calls_total" {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// ec2Error is EC2's query-protocol error body.
func ec2Error(w http.ResponseWriter, status int, code string) {
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>` + code +
		`</Code><Message>simulated</Message></Error></Errors><RequestID>req-1</RequestID></Response>`))
}

func TestEveryAWSRequestIsCountedWithItsErrorCode(t *testing.T) {
	var describeVpcs atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		switch r.Form.Get("Action") {
		case "DescribeVpcs":
			if describeVpcs.Add(1) == 1 {
				ec2Error(w, http.StatusServiceUnavailable, "RequestLimitExceeded")
				return
			}
			_, _ = w.Write([]byte(`<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
				`<requestId>req-2</requestId><vpcSet/></DescribeVpcsResponse>`))
		default:
			ec2Error(w, http.StatusBadRequest, "InvalidSubnetID.NotFound")
		}
	}))
	defer server.Close()
	isolateWithEndpoint(t, server.URL)
	cfg, err := LoadConfig(context.Background(), "", DefaultHTTPTimeout)
	if err != nil {
		t.Fatal(err)
	}
	client := NewClients(cfg).EC2("us-east-1")

	type series struct{ operation, code string }
	watched := []series{{"DescribeVpcs", "RequestLimitExceeded"}, {"DescribeVpcs", ""},
		{"DescribeSubnets", "InvalidSubnetID.NotFound"}, {"DescribeSubnets", ""}, {"DescribeRouteTables", CodeNoResponse}}
	before := map[series]float64{}
	for _, s := range watched {
		before[s] = scrapeCalls(t, "EC2", s.operation, s.code)
	}

	// Throttled once, then answered: the retry is a second request.
	if _, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("DescribeVpcs: %v", err)
	}
	if _, err := client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0"}}); ErrorCode(err) != "InvalidSubnetID.NotFound" {
		t.Fatalf("DescribeSubnets: err = %v, want InvalidSubnetID.NotFound", err)
	}
	server.Close()
	if _, err := client.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{},
		func(o *ec2.Options) { o.RetryMaxAttempts = 1 }); err == nil {
		t.Fatal("DescribeRouteTables against a closed endpoint succeeded")
	}

	want := map[series]float64{{"DescribeVpcs", "RequestLimitExceeded"}: 1, {"DescribeVpcs", ""}: 1,
		{"DescribeSubnets", "InvalidSubnetID.NotFound"}: 1, {"DescribeSubnets", ""}: 0, {"DescribeRouteTables", CodeNoResponse}: 1}
	for _, s := range watched {
		if got := scrapeCalls(t, "EC2", s.operation, s.code) - before[s]; got != want[s] {
			t.Errorf("flaskops_aws_api_calls_total{service=EC2, operation=%s, code=%q} rose by %v, want %v", s.operation, s.code, got, want[s])
		}
	}
}
