package awssim_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func (e *svcEnv) codestar(region string) *codestarconnections.Client {
	return codestarconnections.NewFromConfig(e.cfg(region))
}

func (e *svcEnv) connection(t *testing.T, region, name string) string {
	t.Helper()
	out := must[*codestarconnections.CreateConnectionOutput](t, "create connection")(e.codestar(region).CreateConnection(bg, &codestarconnections.CreateConnectionInput{
		ConnectionName: aws.String(name), ProviderType: cstypes.ProviderTypeGithub,
		Tags: []cstypes.Tag{{Key: aws.String("owner"), Value: aws.String("ns/app")}}}))
	return aws.ToString(out.ConnectionArn)
}

func (e *svcEnv) connectionStatus(t *testing.T, region, arn string) cstypes.ConnectionStatus {
	t.Helper()
	out := must[*codestarconnections.GetConnectionOutput](t, "get connection")(e.codestar(region).GetConnection(bg, &codestarconnections.GetConnectionInput{ConnectionArn: aws.String(arn)}))
	return out.Connection.ConnectionStatus
}

func TestCodeStarConnectionLifecycle(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.codestar("us-east-1")
	arn := e.connection(t, "us-east-1", "demo-dev")
	if !strings.HasPrefix(arn, "arn:aws:codestar-connections:us-east-1:123456789012:connection/") {
		t.Fatalf("connection ARN %s", arn)
	}
	got := must[*codestarconnections.GetConnectionOutput](t, "get")(c.GetConnection(bg, &codestarconnections.GetConnectionInput{ConnectionArn: aws.String(arn)})).Connection
	if aws.ToString(got.ConnectionName) != "demo-dev" || got.ConnectionStatus != cstypes.ConnectionStatusPending ||
		got.ProviderType != cstypes.ProviderTypeGithub || aws.ToString(got.OwnerAccountId) != "123456789012" {
		t.Fatalf("connection %+v", got)
	}
	// The newer codeconnections ARN names the same connection.
	if st := e.connectionStatus(t, "us-east-1", strings.Replace(arn, "codestar-connections", "codeconnections", 1)); st != cstypes.ConnectionStatusPending {
		t.Fatalf("status by codeconnections ARN %s", st)
	}

	for _, tc := range []struct {
		name string
		in   codestarconnections.CreateConnectionInput
		code string
	}{
		{"name over 32", codestarconnections.CreateConnectionInput{ConnectionName: aws.String(strings.Repeat("a", 33)), ProviderType: cstypes.ProviderTypeGithub}, "ValidationException"},
		{"unknown provider", codestarconnections.CreateConnectionInput{ConnectionName: aws.String("x"), ProviderType: "CodeCommit"}, "ValidationException"},
		{"no provider or host", codestarconnections.CreateConnectionInput{ConnectionName: aws.String("x")}, "ValidationException"},
		{"reserved tag", codestarconnections.CreateConnectionInput{ConnectionName: aws.String("x"), ProviderType: cstypes.ProviderTypeGithub,
			Tags: []cstypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}}, "ValidationException"},
	} {
		_, err := c.CreateConnection(bg, &tc.in)
		wantCode(t, tc.name, err, tc.code)
	}

	// Names need not be unique; listing pages through every connection.
	for _, name := range []string{"b", "b", "c", "d"} {
		e.connection(t, "us-east-1", name)
	}
	e.connection(t, "eu-west-1", "elsewhere")
	var names []string
	pages := codestarconnections.NewListConnectionsPaginator(c, &codestarconnections.ListConnectionsInput{ProviderTypeFilter: cstypes.ProviderTypeGithub})
	for pages.HasMorePages() {
		page := must[*codestarconnections.ListConnectionsOutput](t, "list")(pages.NextPage(bg))
		if len(page.Connections) > 2 {
			t.Fatalf("page of %d connections, page size 2", len(page.Connections))
		}
		for _, cn := range page.Connections {
			names = append(names, aws.ToString(cn.ConnectionName))
		}
	}
	if len(names) != 5 {
		t.Fatalf("listed %v, want the 5 connections of us-east-1", names)
	}
	none := must[*codestarconnections.ListConnectionsOutput](t, "list bitbucket")(c.ListConnections(bg, &codestarconnections.ListConnectionsInput{ProviderTypeFilter: cstypes.ProviderTypeBitbucket}))
	if len(none.Connections) != 0 {
		t.Fatalf("bitbucket connections %+v", none.Connections)
	}
	_, err := c.ListConnections(bg, &codestarconnections.ListConnectionsInput{NextToken: aws.String("garbage!")})
	wantCode(t, "bad token", err, "ValidationException")

	// Tags.
	must[*codestarconnections.TagResourceOutput](t, "tag")(c.TagResource(bg, &codestarconnections.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []cstypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("owner"), Value: aws.String("ns/other")}}}))
	must[*codestarconnections.UntagResourceOutput](t, "untag")(c.UntagResource(bg, &codestarconnections.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env", "absent"}}))
	tags := must[*codestarconnections.ListTagsForResourceOutput](t, "list tags")(c.ListTagsForResource(bg, &codestarconnections.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).Tags
	if len(tags) != 1 || aws.ToString(tags[0].Key) != "owner" || aws.ToString(tags[0].Value) != "ns/other" {
		t.Fatalf("tags %+v", tags)
	}
	missing := "arn:aws:codestar-connections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
	_, err = c.TagResource(bg, &codestarconnections.TagResourceInput{ResourceArn: aws.String(missing), Tags: []cstypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, "tag missing connection", err, "ResourceNotFoundException")
	// Connections are regional: another region's endpoint does not know this one.
	_, err = e.codestar("eu-west-1").GetConnection(bg, &codestarconnections.GetConnectionInput{ConnectionArn: aws.String(arn)})
	wantCode(t, "get from another region", err, "ResourceNotFoundException")

	// The test control stands in for the console handshake.
	if err := e.sim.ApproveConnection(arn); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if st := e.connectionStatus(t, "us-east-1", arn); st != cstypes.ConnectionStatusAvailable {
		t.Fatalf("status after approval %s", st)
	}
	if err := e.sim.ApproveConnection(arn); err != nil {
		t.Fatalf("approve twice: %v", err)
	}
	if err := e.sim.ApproveConnection(missing); !errors.Is(err, awssim.ErrConnectionNotFound) {
		t.Fatalf("approve missing: %v", err)
	}

	if ids := e.live("codestar-connections", "connection"); len(ids) != 6 {
		t.Fatalf("inventory %v", ids)
	}
	must[*codestarconnections.DeleteConnectionOutput](t, "delete")(c.DeleteConnection(bg, &codestarconnections.DeleteConnectionInput{ConnectionArn: aws.String(arn)}))
	_, err = c.GetConnection(bg, &codestarconnections.GetConnectionInput{ConnectionArn: aws.String(arn)})
	wantCode(t, "get deleted", err, "ResourceNotFoundException")
	_, err = c.DeleteConnection(bg, &codestarconnections.DeleteConnectionInput{ConnectionArn: aws.String(arn)})
	wantCode(t, "delete twice", err, "ResourceNotFoundException")
	if ids := e.live("codestar-connections", "connection"); len(ids) != 5 {
		t.Fatalf("inventory after delete %v", ids)
	}
}

func TestCodeStarApproveEndpoint(t *testing.T) {
	e := newSvcEnv(t)
	arn := e.connection(t, "us-east-1", "demo")
	post := func(body string) int {
		t.Helper()
		resp, err := http.Post(e.url+"/_awssim/connections/approve", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"arn":"` + arn + `"}`); code != http.StatusNoContent {
		t.Fatalf("approve: HTTP %d", code)
	}
	if st := e.connectionStatus(t, "us-east-1", arn); st != cstypes.ConnectionStatusAvailable {
		t.Fatalf("status %s after the admin approval", st)
	}
	for body, want := range map[string]int{
		`{"arn":"` + strings.Replace(arn, "us-east-1", "eu-west-1", 1) + `"}`: http.StatusNotFound,
		`{"arn":""}`: http.StatusBadRequest,
		`not json`:   http.StatusBadRequest,
	} {
		if code := post(body); code != want {
			t.Fatalf("approve %s: HTTP %d, want %d", body, code, want)
		}
	}
	resp, err := http.Get(e.url + "/_awssim/connections/approve")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET approve: HTTP %d, want 404", resp.StatusCode)
	}
}

// CodeStar Connections is an awsJson1_0 service: its answers say so.
func TestCodeStarAnswersInJSON10(t *testing.T) {
	e := newSvcEnv(t)
	req, err := http.NewRequest(http.MethodPost, e.url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/codestar-connections/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "CodeStar_connections_20191201.ListConnections")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
