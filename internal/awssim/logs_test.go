package awssim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func (e *svcEnv) logs(region string) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(e.cfg(region))
}

const logKey = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestLogsLogGroupLifecycle(t *testing.T) {
	e := newSvcEnv(t)
	c := e.logs("eu-west-1")
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "create")(c.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("/ecs/app"), KmsKeyId: aws.String(logKey), Tags: map[string]string{"owner": "ns/app"}}))
	desc := must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "describe")(c.DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/")}))
	if len(desc.LogGroups) != 1 {
		t.Fatalf("%d log groups, want 1", len(desc.LogGroups))
	}
	g := desc.LogGroups[0]
	// arn ends in ":*" (the log streams); logGroupArn is the ARN tagging operations take.
	if got, want := aws.ToString(g.Arn), "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:*"; got != want {
		t.Fatalf("arn %q, want %q", got, want)
	}
	if got, want := aws.ToString(g.LogGroupArn), "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app"; got != want {
		t.Fatalf("logGroupArn %q, want %q", got, want)
	}
	if aws.ToInt64(g.CreationTime) != e.clock.Now().UnixMilli() || g.RetentionInDays != nil ||
		aws.ToString(g.KmsKeyId) != logKey || g.LogGroupClass != "STANDARD" {
		t.Fatalf("log group %+v", g)
	}

	for _, tc := range []struct {
		name string
		in   cloudwatchlogs.CreateLogGroupInput
		code string
	}{
		{"exists", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/app")}, "ResourceAlreadyExistsException"},
		{"reserved aws/ prefix", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("aws/app")}, "InvalidParameterException"},
		{"bad characters", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/app:1")}, "InvalidParameterException"},
		{"too long", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(strings.Repeat("a", 513))}, "InvalidParameterException"},
		{"key alias, not ARN", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/k"), KmsKeyId: aws.String("alias/logs")}, "InvalidParameterException"},
		{"reserved tag", cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/t"), Tags: map[string]string{"aws:x": "1"}}, "InvalidParameterException"},
	} {
		_, err := c.CreateLogGroup(bg, &tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
	// Regions are separate: the same name is free elsewhere.
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "create in us-east-1")(e.logs("us-east-1").CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/app")}))
	if ids := e.live("logs", "log-group"); fmt.Sprint(ids) != "[eu-west-1//ecs/app us-east-1//ecs/app]" {
		t.Fatalf("inventory %v", ids)
	}

	retention := func(days int32) error {
		_, err := c.PutRetentionPolicy(bg, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/ecs/app"), RetentionInDays: aws.Int32(days)})
		return err
	}
	for _, days := range []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653} {
		wantCode(t, fmt.Sprintf("retention %d", days), retention(days), "")
	}
	for _, days := range []int32{0, 2, 8, 366, 3654} {
		wantCode(t, fmt.Sprintf("retention %d", days), retention(days), "InvalidParameterException")
	}
	wantCode(t, "retention 7", retention(7), "")
	desc = must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "describe")(c.DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{}))
	if got := aws.ToInt32(desc.LogGroups[0].RetentionInDays); got != 7 {
		t.Fatalf("retention %d, want 7", got)
	}
	must[*cloudwatchlogs.DeleteRetentionPolicyOutput](t, "delete retention")(c.DeleteRetentionPolicy(bg, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String("/ecs/app")}))
	desc = must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "describe")(c.DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{}))
	if desc.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("retention %d after delete, want none", aws.ToInt32(desc.LogGroups[0].RetentionInDays))
	}
	_, err := c.PutRetentionPolicy(bg, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/missing"), RetentionInDays: aws.Int32(7)})
	wantCode(t, "retention of missing group", err, "ResourceNotFoundException")
	_, err = c.DeleteRetentionPolicy(bg, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String("/missing")})
	wantCode(t, "delete retention of missing group", err, "ResourceNotFoundException")

	must[*cloudwatchlogs.DeleteLogGroupOutput](t, "delete")(c.DeleteLogGroup(bg, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/app")}))
	_, err = c.DeleteLogGroup(bg, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/app")})
	wantCode(t, "delete twice", err, "ResourceNotFoundException")
	if ids := e.live("logs", "log-group"); fmt.Sprint(ids) != "[us-east-1//ecs/app]" {
		t.Fatalf("inventory after delete %v", ids)
	}
}

func TestLogsDescribeLogGroupsPaginates(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.logs("us-east-1")
	for _, name := range []string{"/ecs/b", "/ecs/a", "/codebuild/app", "/ecs/c", "/ecs/App"} {
		must[*cloudwatchlogs.CreateLogGroupOutput](t, "create "+name)(c.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}))
	}
	first := must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "first page")(c.DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{}))
	if len(first.LogGroups) != 2 || first.NextToken == nil {
		t.Fatalf("first page: %d groups, next %v", len(first.LogGroups), first.NextToken)
	}
	collect := func(in *cloudwatchlogs.DescribeLogGroupsInput) []string {
		var names []string
		pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, in)
		for pages.HasMorePages() {
			for _, g := range must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "page")(pages.NextPage(bg)).LogGroups {
				names = append(names, aws.ToString(g.LogGroupName))
			}
		}
		return names
	}
	// ASCII order: upper case sorts before lower case.
	if names := collect(&cloudwatchlogs.DescribeLogGroupsInput{}); fmt.Sprint(names) != "[/codebuild/app /ecs/App /ecs/a /ecs/b /ecs/c]" {
		t.Fatalf("all groups %v", names)
	}
	if names := collect(&cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/"), Limit: aws.Int32(3)}); fmt.Sprint(names) != "[/ecs/App /ecs/a /ecs/b /ecs/c]" {
		t.Fatalf("groups under /ecs/ %v", names)
	}
	// A name pattern is a case-sensitive substring match, and its results are brief.
	pattern := must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "pattern")(c.DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("app")}))
	if len(pattern.LogGroups) != 1 || aws.ToString(pattern.LogGroups[0].LogGroupName) != "/codebuild/app" ||
		pattern.LogGroups[0].LogGroupArn != nil || pattern.LogGroups[0].Arn == nil {
		t.Fatalf("pattern results %+v", pattern.LogGroups)
	}
	for _, tc := range []struct {
		name string
		in   cloudwatchlogs.DescribeLogGroupsInput
	}{
		{"limit over 50", cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(51)}},
		{"prefix and pattern", cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/"), LogGroupNamePattern: aws.String("a")}},
		{"bad token", cloudwatchlogs.DescribeLogGroupsInput{NextToken: aws.String("garbage!")}},
	} {
		_, err := c.DescribeLogGroups(bg, &tc.in)
		wantCode(t, tc.name, err, "InvalidParameterException")
	}
}

func TestLogsTags(t *testing.T) {
	e := newSvcEnv(t)
	c := e.logs("us-east-1")
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "create")(c.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("/ecs/app"), Tags: map[string]string{"a": "1"}}))
	arn := aws.String("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app")
	must[*cloudwatchlogs.TagResourceOutput](t, "tag")(c.TagResource(bg, &cloudwatchlogs.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"a": "2", "b": "3"}}))
	must[*cloudwatchlogs.UntagResourceOutput](t, "untag")(c.UntagResource(bg, &cloudwatchlogs.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"b", "absent"}}))
	tags := must[*cloudwatchlogs.ListTagsForResourceOutput](t, "list")(c.ListTagsForResource(bg, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: arn})).Tags
	if fmt.Sprint(tags) != "map[a:2]" {
		t.Fatalf("tags %v", tags)
	}
	if live := e.sim.ListLive(); len(live) != 1 || fmt.Sprint(live[0].Tags) != "map[a:2]" {
		t.Fatalf("inventory %+v", live)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	for _, tc := range []struct {
		name string
		arn  string
		tags map[string]string
		code string
	}{
		{"describe's arn with :*", *arn + ":*", map[string]string{"x": "1"}, "ResourceNotFoundException"},
		{"missing group", "arn:aws:logs:us-east-1:123456789012:log-group:/missing", map[string]string{"x": "1"}, "ResourceNotFoundException"},
		{"other region", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app", map[string]string{"x": "1"}, "ResourceNotFoundException"},
		{"not a log group ARN", "arn:aws:ecr:us-east-1:123456789012:repository/app", map[string]string{"x": "1"}, "InvalidParameterException"},
		{"reserved key", *arn, map[string]string{"aws:x": "1"}, "InvalidParameterException"},
		{"over 50 tags", *arn, many, "TooManyTagsException"},
	} {
		_, err := c.TagResource(bg, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(tc.arn), Tags: tc.tags})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err := c.ListTagsForResource(bg, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(*arn + ":*")})
	wantCode(t, "list tags by describe's arn", err, "ResourceNotFoundException")
}
