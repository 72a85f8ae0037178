package awssim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
)

// authzRule says how IAM authorizes one operation, after the Service Authorization
// Reference: the action, the resources it is checked against, the condition keys the
// request carries and the further actions the call implies.
type authzRule struct {
	// none marks an operation that needs no permission (sts:GetCallerIdentity).
	none bool
	// custom replaces the fields below where one call checks several actions (S3).
	custom func(q *authzQuery) []authzCheck
	// action is the IAM action where it is not "<prefix>:<Operation>" (S3).
	action string
	// resources are the ARNs the call acts on, each checked; nil or empty means "*",
	// the resource of actions without resource-level permissions.
	resources resolver
	// tags reads the tags the request sets (aws:RequestTag/<key>, aws:TagKeys), or the
	// keys an untag call removes (aws:TagKeys).
	tags tagReader
	// keys are the service condition keys of the request (iam:PolicyARN, ...).
	keys func(q *authzQuery) map[string][]string
	// implied are the checks of further actions: iam:PassRole for a role the call hands
	// to a service, and the tagging action a create with tags also needs.
	implied func(q *authzQuery) []authzCheck
}

// resolver lists the ARNs of the resources a request names.
type resolver func(q *authzQuery) []string

// tagReader reads a request's tags, or the keys only of an untag call.
type tagReader func(q *authzQuery) (tags map[string]string, keys []string)

// authzRules has one entry per operation the simulator serves, keyed
// "<signing name>:<Operation>"; the signing names are the IAM service prefixes.
var authzRules = map[string]authzRule{
	"ec2:DescribeAvailabilityZones":     {},
	"ec2:DescribeVpcs":                  {},
	"ec2:DescribeVpcAttribute":          {},
	"ec2:DescribeSubnets":               {},
	"ec2:DescribeInternetGateways":      {},
	"ec2:DescribeAddresses":             {},
	"ec2:DescribeNatGateways":           {},
	"ec2:DescribeRouteTables":           {},
	"ec2:DescribeSecurityGroups":        {},
	"ec2:DescribeTags":                  {},
	"ec2:DescribeNetworkInterfaces":     {},
	"ec2:DescribeVpcPeeringConnections": {},
	"ec2:CreateVpc":                     ec2Create(ec2New("vpc")),
	"ec2:DeleteVpc":                     {resources: ec2Ref("vpc", "VpcId")},
	"ec2:ModifyVpcAttribute":            {resources: ec2Ref("vpc", "VpcId")},
	"ec2:CreateSubnet":                  ec2Create(ec2New("subnet"), ec2Ref("vpc", "VpcId")),
	"ec2:DeleteSubnet":                  {resources: ec2Ref("subnet", "SubnetId")},
	"ec2:CreateNetworkInterface":        ec2Create(ec2New("network-interface"), ec2Ref("subnet", "SubnetId")),
	"ec2:DeleteNetworkInterface":        {resources: ec2Ref("network-interface", "NetworkInterfaceId")},
	"ec2:ModifySubnetAttribute":         {resources: ec2Ref("subnet", "SubnetId")},
	"ec2:CreateInternetGateway":         ec2Create(ec2New("internet-gateway")),
	"ec2:AttachInternetGateway":         {resources: all(ec2Ref("internet-gateway", "InternetGatewayId"), ec2Ref("vpc", "VpcId"))},
	"ec2:DetachInternetGateway":         {resources: all(ec2Ref("internet-gateway", "InternetGatewayId"), ec2Ref("vpc", "VpcId"))},
	"ec2:DeleteInternetGateway":         {resources: ec2Ref("internet-gateway", "InternetGatewayId")},
	"ec2:AllocateAddress":               ec2Create(ec2New("elastic-ip")),
	"ec2:ReleaseAddress":                {resources: ec2Ref("elastic-ip", "AllocationId")},
	"ec2:CreateNatGateway":              ec2Create(ec2New("natgateway"), ec2Ref("subnet", "SubnetId"), ec2Ref("elastic-ip", "AllocationId")),
	"ec2:DeleteNatGateway":              {resources: ec2Ref("natgateway", "NatGatewayId")},
	"ec2:CreateRouteTable":              ec2Create(ec2New("route-table"), ec2Ref("vpc", "VpcId")),
	"ec2:DeleteRouteTable":              {resources: ec2Ref("route-table", "RouteTableId")},
	"ec2:CreateRoute":                   {resources: ec2Ref("route-table", "RouteTableId")},
	"ec2:ReplaceRoute":                  {resources: ec2Ref("route-table", "RouteTableId")},
	"ec2:DeleteRoute":                   {resources: ec2Ref("route-table", "RouteTableId")},
	"ec2:AssociateRouteTable":           {resources: all(ec2Ref("route-table", "RouteTableId"), ec2Ref("subnet", "SubnetId"))},
	"ec2:DisassociateRouteTable":        {resources: associationARNs},
	"ec2:ReplaceRouteTableAssociation":  {resources: ec2Ref("route-table", "RouteTableId")},
	"ec2:CreateSecurityGroup":           ec2Create(ec2New("security-group"), ec2Ref("vpc", "VpcId")),
	"ec2:DeleteSecurityGroup":           {resources: securityGroupARN},
	"ec2:AuthorizeSecurityGroupIngress": {resources: securityGroupARN},
	"ec2:AuthorizeSecurityGroupEgress":  {resources: securityGroupARN},
	"ec2:RevokeSecurityGroupIngress":    {resources: securityGroupARN},
	"ec2:RevokeSecurityGroupEgress":     {resources: securityGroupARN},
	"ec2:CreateVpcPeeringConnection":    ec2Create(ec2New("vpc-peering-connection"), ec2Ref("vpc", "VpcId")),
	"ec2:AcceptVpcPeeringConnection":    {resources: ec2Ref("vpc-peering-connection", "VpcPeeringConnectionId")},
	"ec2:RejectVpcPeeringConnection":    {resources: ec2Ref("vpc-peering-connection", "VpcPeeringConnectionId")},
	"ec2:DeleteVpcPeeringConnection":    {resources: ec2Ref("vpc-peering-connection", "VpcPeeringConnectionId")},
	"ec2:CreateTags":                    {resources: ec2Refs("ResourceId"), tags: formTags("Tag")},
	"ec2:DeleteTags":                    {resources: ec2Refs("ResourceId"), tags: formTagKeysOf("Tag")},

	"iam:CreateRole": {resources: newRoleARN, tags: formTags("Tags"),
		keys: func(q *authzQuery) map[string][]string {
			return keyOf("iam:PermissionsBoundary", q.str("PermissionsBoundary"))
		},
		implied: tagOnCreate("iam:TagRole", newRoleARN, formTags("Tags"), "")},
	"iam:GetRole":                  {resources: roleARN},
	"iam:DeleteRole":               {resources: roleARN},
	"iam:ListRoles":                {},
	"iam:UpdateAssumeRolePolicy":   {resources: roleARN},
	"iam:AttachRolePolicy":         {resources: roleARN, keys: iamPolicyARN},
	"iam:DetachRolePolicy":         {resources: roleARN, keys: iamPolicyARN},
	"iam:ListAttachedRolePolicies": {resources: roleARN},
	"iam:PutRolePolicy":            {resources: roleARN, keys: roleBoundary},
	"iam:GetRolePolicy":            {resources: roleARN},
	"iam:DeleteRolePolicy":         {resources: roleARN, keys: roleBoundary},
	"iam:ListRolePolicies":         {resources: roleARN},
	"iam:TagRole":                  {resources: roleARN, tags: formTags("Tags")},
	"iam:UntagRole":                {resources: roleARN, tags: formTagKeys("TagKeys")},
	"iam:ListRoleTags":             {resources: roleARN},
	// The boundary a call sets is iam:PermissionsBoundary, as for CreateRole.
	"iam:PutRolePermissionsBoundary": {resources: roleARN, keys: func(q *authzQuery) map[string][]string {
		return keyOf("iam:PermissionsBoundary", q.str("PermissionsBoundary"))
	}},
	"iam:DeleteRolePermissionsBoundary": {resources: roleARN, keys: roleBoundary},
	"iam:CreatePolicy": {resources: newPolicyARN, tags: formTags("Tags"),
		implied: tagOnCreate("iam:TagPolicy", newPolicyARN, formTags("Tags"), "")},
	"iam:GetPolicy":    {resources: field("PolicyArn")},
	"iam:DeletePolicy": {resources: field("PolicyArn")},

	"sts:GetCallerIdentity": {none: true},
	"sts:AssumeRole":        {resources: field("RoleArn")},

	"elasticloadbalancing:CreateLoadBalancer": {resources: elbNew("loadbalancer"), tags: formTags("Tags"),
		implied: tagOnCreate("elasticloadbalancing:AddTags", elbNew("loadbalancer"), formTags("Tags"), "elasticloadbalancing:CreateAction")},
	"elasticloadbalancing:DescribeLoadBalancers":          {},
	"elasticloadbalancing:DeleteLoadBalancer":             {resources: field("LoadBalancerArn")},
	"elasticloadbalancing:ModifyLoadBalancerAttributes":   {resources: field("LoadBalancerArn")},
	"elasticloadbalancing:DescribeLoadBalancerAttributes": {},
	"elasticloadbalancing:SetSecurityGroups":              {resources: field("LoadBalancerArn")},
	"elasticloadbalancing:CreateTargetGroup": {resources: elbNew("targetgroup"), tags: formTags("Tags"),
		implied: tagOnCreate("elasticloadbalancing:AddTags", elbNew("targetgroup"), formTags("Tags"), "elasticloadbalancing:CreateAction")},
	"elasticloadbalancing:DescribeTargetGroups":          {},
	"elasticloadbalancing:ModifyTargetGroup":             {resources: field("TargetGroupArn")},
	"elasticloadbalancing:DeleteTargetGroup":             {resources: field("TargetGroupArn")},
	"elasticloadbalancing:DescribeTargetGroupAttributes": {},
	"elasticloadbalancing:ModifyTargetGroupAttributes":   {resources: field("TargetGroupArn")},
	"elasticloadbalancing:RegisterTargets":               {resources: field("TargetGroupArn")},
	"elasticloadbalancing:DeregisterTargets":             {resources: field("TargetGroupArn")},
	"elasticloadbalancing:DescribeTargetHealth":          {},
	"elasticloadbalancing:CreateListener": {resources: field("LoadBalancerArn"), tags: formTags("Tags"),
		implied: tagOnCreate("elasticloadbalancing:AddTags", elbNewListener, formTags("Tags"), "elasticloadbalancing:CreateAction")},
	"elasticloadbalancing:DescribeListeners": {},
	"elasticloadbalancing:ModifyListener":    {resources: field("ListenerArn")},
	"elasticloadbalancing:DeleteListener":    {resources: field("ListenerArn")},
	"elasticloadbalancing:AddTags":           {resources: fields("ResourceArns"), tags: formTags("Tags")},
	"elasticloadbalancing:RemoveTags":        {resources: fields("ResourceArns"), tags: formTagKeys("TagKeys")},
	"elasticloadbalancing:DescribeTags":      {},

	"ecs:CreateCluster": {resources: ecsNewClusterARN, tags: jsonTags("tags", "key", "value"),
		implied: tagOnCreate("ecs:TagResource", ecsNewClusterARN, jsonTags("tags", "key", "value"), "ecs:CreateAction")},
	"ecs:DescribeClusters": {resources: ecsClusterARNs},
	"ecs:DeleteCluster":    {resources: ecsClusterARN},
	"ecs:ListClusters":     {},
	"ecs:RegisterTaskDefinition": {tags: jsonTags("tags", "key", "value"), implied: implies(
		passRole("ecs-tasks.amazonaws.com", "executionRoleArn", "taskRoleArn"),
		tagOnCreate("ecs:TagResource", ecsNewTaskDefinitionARN, jsonTags("tags", "key", "value"), "ecs:CreateAction"))},
	"ecs:DescribeTaskDefinition":     {},
	"ecs:DeregisterTaskDefinition":   {},
	"ecs:DeleteTaskDefinitions":      {},
	"ecs:ListTaskDefinitions":        {},
	"ecs:ListTaskDefinitionFamilies": {},
	"ecs:CreateService": {resources: ecsServiceARN("serviceName"), tags: jsonTags("tags", "key", "value"),
		implied: tagOnCreate("ecs:TagResource", ecsServiceARN("serviceName"), jsonTags("tags", "key", "value"), "ecs:CreateAction")},
	"ecs:DescribeServices":    {resources: ecsServiceARNs},
	"ecs:UpdateService":       {resources: ecsServiceARN("service")},
	"ecs:DeleteService":       {resources: ecsServiceARN("service")},
	"ecs:ListServices":        {},
	"ecs:ListTasks":           {},
	"ecs:DescribeTasks":       {resources: ecsTaskARNs},
	"ecs:TagResource":         {resources: field("resourceArn"), tags: jsonTags("tags", "key", "value")},
	"ecs:UntagResource":       {resources: field("resourceArn"), tags: jsonTagKeys("tagKeys")},
	"ecs:ListTagsForResource": {resources: field("resourceArn")},

	"ecr:CreateRepository": {resources: repositoryARN, tags: jsonTags("tags", "Key", "Value"),
		implied: tagOnCreate("ecr:TagResource", repositoryARN, jsonTags("tags", "Key", "Value"), "")},
	"ecr:DescribeRepositories":          {resources: repositoryARNs},
	"ecr:DeleteRepository":              {resources: repositoryARN},
	"ecr:PutLifecyclePolicy":            {resources: repositoryARN},
	"ecr:GetLifecyclePolicy":            {resources: repositoryARN},
	"ecr:DeleteLifecyclePolicy":         {resources: repositoryARN},
	"ecr:PutImageScanningConfiguration": {resources: repositoryARN},
	"ecr:PutImageTagMutability":         {resources: repositoryARN},
	"ecr:PutImage":                      {resources: repositoryARN},
	"ecr:DescribeImages":                {resources: repositoryARN},
	"ecr:ListImages":                    {resources: repositoryARN},
	"ecr:TagResource":                   {resources: field("resourceArn"), tags: jsonTags("tags", "Key", "Value")},
	"ecr:UntagResource":                 {resources: field("resourceArn"), tags: jsonTagKeys("tagKeys")},
	"ecr:ListTagsForResource":           {resources: field("resourceArn")},

	"logs:CreateLogGroup": {resources: logGroupARN, tags: jsonTagMap("tags"),
		implied: tagOnCreate("logs:TagResource", logGroupARN, jsonTagMap("tags"), "")},
	// DescribeLogGroups is checked against this odd ARN, which "log-group:*" matches.
	"logs:DescribeLogGroups":     {resources: arnOf("logs", "log-group::log-stream:")},
	"logs:DeleteLogGroup":        {resources: logGroupARN},
	"logs:DescribeLogStreams":    {resources: logGroupARN},
	"logs:PutRetentionPolicy":    {resources: logGroupARN},
	"logs:DeleteRetentionPolicy": {resources: logGroupARN},
	"logs:TagResource":           {resources: field("resourceArn"), tags: jsonTagMap("tags")},
	"logs:UntagResource":         {resources: field("resourceArn"), tags: jsonTagKeys("tagKeys")},
	"logs:ListTagsForResource":   {resources: field("resourceArn")},

	"ssm:PutParameter": {resources: parameterARN("Name"), tags: jsonTags("Tags", "Key", "Value"),
		implied: tagOnCreate("ssm:AddTagsToResource", parameterARN("Name"), jsonTags("Tags", "Key", "Value"), "")},
	"ssm:GetParameter":           {resources: parameterARN("Name")},
	"ssm:GetParameters":          {resources: parameterARNs("Names")},
	"ssm:GetParametersByPath":    {resources: parameterARN("Path")}, // the path, not the parameters it returns
	"ssm:DescribeParameters":     {},
	"ssm:DeleteParameter":        {resources: parameterARN("Name")},
	"ssm:AddTagsToResource":      {resources: parameterARN("ResourceId"), tags: jsonTags("Tags", "Key", "Value")},
	"ssm:RemoveTagsFromResource": {resources: parameterARN("ResourceId"), tags: jsonTagKeys("TagKeys")},
	"ssm:ListTagsForResource":    {resources: parameterARN("ResourceId")},

	"s3:ListBuckets":         {action: "s3:ListAllMyBuckets"},
	"s3:CreateBucket":        {resources: bucketARN, tags: s3BucketTags, implied: tagOnCreate("s3:TagResource", bucketARN, s3BucketTags, "")},
	"s3:HeadBucket":          {action: "s3:ListBucket", resources: bucketARN},
	"s3:DeleteBucket":        {resources: bucketARN},
	"s3:PutBucketVersioning": {resources: bucketARN},
	"s3:GetBucketVersioning": {resources: bucketARN},
	"s3:PutObject":           {resources: objectARN, keys: s3ObjectTagging},
	// Bucket configuration calls go by IAM action names that differ from the operations'.
	"s3:PutPublicAccessBlock":            {action: "s3:PutBucketPublicAccessBlock", resources: bucketARN},
	"s3:GetPublicAccessBlock":            {action: "s3:GetBucketPublicAccessBlock", resources: bucketARN},
	"s3:DeletePublicAccessBlock":         {action: "s3:PutBucketPublicAccessBlock", resources: bucketARN},
	"s3:PutBucketEncryption":             {action: "s3:PutEncryptionConfiguration", resources: bucketARN},
	"s3:GetBucketEncryption":             {action: "s3:GetEncryptionConfiguration", resources: bucketARN},
	"s3:PutBucketLifecycleConfiguration": {action: "s3:PutLifecycleConfiguration", resources: bucketARN},
	"s3:GetBucketLifecycleConfiguration": {action: "s3:GetLifecycleConfiguration", resources: bucketARN},
	"s3:DeleteBucketLifecycle":           {action: "s3:PutLifecycleConfiguration", resources: bucketARN},
	"s3:PutBucketTagging":                {resources: bucketARN},
	"s3:GetBucketTagging":                {resources: bucketARN},
	"s3:DeleteBucketTagging":             {action: "s3:PutBucketTagging", resources: bucketARN},
	"s3:DeleteObject":                    {custom: s3DeleteObject},
	"s3:ListObjectVersions":              {action: "s3:ListBucketVersions", resources: bucketARN},
	"s3:ListObjectsV2":                   {action: "s3:ListBucket", resources: bucketARN, keys: s3ListKeys},
	"s3:DeleteObjects":                   {custom: s3DeleteObjects},

	"codebuild:CreateProject":        {resources: projectARN("name"), tags: jsonTags("tags", "key", "value"), implied: passRole("codebuild.amazonaws.com", "serviceRole")},
	"codebuild:BatchGetProjects":     {resources: projectARNs},
	"codebuild:ListProjects":         {},
	"codebuild:UpdateProject":        {resources: projectARN("name"), tags: jsonTags("tags", "key", "value"), implied: passRole("codebuild.amazonaws.com", "serviceRole")},
	"codebuild:DeleteProject":        {resources: projectARN("name")},
	"codebuild:StartBuild":           {resources: projectARN("projectName")},
	"codebuild:StopBuild":            {resources: buildProjectARNs("id")},
	"codebuild:BatchGetBuilds":       {resources: buildProjectARNs("ids")},
	"codebuild:ListBuildsForProject": {resources: projectARN("projectName")},
	"codebuild:ListBuilds":           {},

	"codepipeline:CreatePipeline": {resources: pipelineARN("pipeline.name"), tags: jsonTags("tags", "key", "value"), implied: implies(
		passRole("codepipeline.amazonaws.com", "pipeline.roleArn"),
		tagOnCreate("codepipeline:TagResource", pipelineARN("pipeline.name"), jsonTags("tags", "key", "value"), ""))},
	"codepipeline:GetPipeline":            {resources: pipelineARN("name")},
	"codepipeline:UpdatePipeline":         {resources: pipelineARN("pipeline.name"), implied: passRole("codepipeline.amazonaws.com", "pipeline.roleArn")},
	"codepipeline:DeletePipeline":         {resources: pipelineARN("name")},
	"codepipeline:ListPipelines":          {},
	"codepipeline:GetPipelineState":       {resources: pipelineARN("name")},
	"codepipeline:StartPipelineExecution": {resources: pipelineARN("name")},
	"codepipeline:GetPipelineExecution":   {resources: pipelineARN("pipelineName")},
	"codepipeline:ListPipelineExecutions": {resources: pipelineARN("pipelineName")},
	"codepipeline:StopPipelineExecution":  {resources: pipelineARN("pipelineName")},
	"codepipeline:TagResource":            {resources: field("resourceArn"), tags: jsonTags("tags", "key", "value")},
	"codepipeline:UntagResource":          {resources: field("resourceArn"), tags: jsonTagKeys("tagKeys")},
	"codepipeline:ListTagsForResource":    {resources: field("resourceArn")},

	"codestar-connections:CreateConnection": {tags: jsonTags("Tags", "Key", "Value"),
		implied: tagOnCreate("codestar-connections:TagResource", arnOf("codestar-connections", "connection/*"), jsonTags("Tags", "Key", "Value"), "")},
	"codestar-connections:GetConnection":       {resources: field("ConnectionArn")},
	"codestar-connections:ListConnections":     {},
	"codestar-connections:DeleteConnection":    {resources: field("ConnectionArn")},
	"codestar-connections:TagResource":         {resources: field("ResourceArn"), tags: jsonTags("Tags", "Key", "Value")},
	"codestar-connections:UntagResource":       {resources: field("ResourceArn"), tags: jsonTagKeys("TagKeys")},
	"codestar-connections:ListTagsForResource": {resources: field("ResourceArn")},

	// A new certificate's ARN is not known before the call: a create is checked against
	// "certificate/*", a reimport against the certificate.
	"acm:ImportCertificate": {resources: acmCertificateOrNew, tags: jsonTags("Tags", "Key", "Value"),
		implied: tagOnCreate("acm:AddTagsToCertificate", acmCertificateOrNew, jsonTags("Tags", "Key", "Value"), "")},
	"acm:RequestCertificate": {resources: arnOf("acm", "certificate/*"), tags: jsonTags("Tags", "Key", "Value"),
		implied: tagOnCreate("acm:AddTagsToCertificate", arnOf("acm", "certificate/*"), jsonTags("Tags", "Key", "Value"), "")},
	"acm:DescribeCertificate":       {resources: field("CertificateArn")},
	"acm:ListCertificates":          {},
	"acm:DeleteCertificate":         {resources: field("CertificateArn")},
	"acm:AddTagsToCertificate":      {resources: field("CertificateArn"), tags: jsonTags("Tags", "Key", "Value")},
	"acm:RemoveTagsFromCertificate": {resources: field("CertificateArn"), tags: jsonTagKeysOf("Tags", "Key")},
	"acm:ListTagsForCertificate":    {resources: field("CertificateArn")},

	// The Tagging API's IAM prefix is "tag", its signing name "tagging".
	"tagging:GetResources":   {action: "tag:GetResources"},
	"tagging:UntagResources": {action: "tag:UntagResources"},

	"application-autoscaling:RegisterScalableTarget": {resources: scalableTargetARN, tags: jsonTagMap("Tags"),
		implied: tagOnCreate("application-autoscaling:TagResource", scalableTargetARN, jsonTagMap("Tags"), "")},
	"application-autoscaling:DescribeScalableTargets":  {},
	"application-autoscaling:DeregisterScalableTarget": {resources: scalableTargetARN},
	// Target tracking makes Application Auto Scaling create, describe and delete the
	// policy's CloudWatch alarms with the caller's permissions, which it checks first.
	"application-autoscaling:PutScalingPolicy": {resources: scalableTargetARN,
		implied: targetTrackingAlarms("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms")},
	"application-autoscaling:DescribeScalingPolicies": {},
	"application-autoscaling:DeleteScalingPolicy": {resources: scalableTargetARN,
		implied: targetTrackingAlarms("cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms")},
	"application-autoscaling:TagResource":         {resources: field("ResourceARN"), tags: jsonTagMap("Tags")},
	"application-autoscaling:UntagResource":       {resources: field("ResourceARN"), tags: jsonTagKeys("TagKeys")},
	"application-autoscaling:ListTagsForResource": {resources: field("ResourceARN")},
}

// authzQuery is the request as the rules read it.
type authzQuery struct {
	sim        *Sim
	op, region string
	params     *Params        // query protocols
	body       map[string]any // JSON protocols
	raw        []byte         // REST-XML body
	http       *http.Request
}

// str reads a field by dotted path: from the form of query protocols, else the JSON body.
func (q *authzQuery) str(path string) string {
	if v := q.params.String(path); v != "" {
		return v
	}
	v, _ := q.json(path).(string)
	return v
}

// strs reads a list of strings ("ResourceId.1", ... or a JSON array).
func (q *authzQuery) strs(path string) []string {
	if v := q.params.Strings(path); len(v) > 0 {
		return v
	}
	var out []string
	for _, it := range asList(q.json(path)) {
		if s, ok := it.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (q *authzQuery) json(path string) any {
	var cur any = q.body
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// state returns the simulator's state of a service.
func (q *authzQuery) state(service string) State { return q.sim.services[service].State }

// field is the ARN a request field holds.
func field(path string) resolver {
	return func(q *authzQuery) []string { return nonEmpty(q.str(path)) }
}

// fields are the ARNs a list field holds.
func fields(path string) resolver {
	return func(q *authzQuery) []string { return q.strs(path) }
}

// arnOf is a fixed resource in the request's region.
func arnOf(service, resource string) resolver {
	return func(q *authzQuery) []string { return []string{ARN(service, q.region, resource)} }
}

func all(rs ...resolver) resolver {
	return func(q *authzQuery) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r(q)...)
		}
		return out
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func implies(fs ...func(q *authzQuery) []authzCheck) func(q *authzQuery) []authzCheck {
	return func(q *authzQuery) []authzCheck {
		var out []authzCheck
		for _, f := range fs {
			out = append(out, f(q)...)
		}
		return out
	}
}

func keyOf(key, value string) map[string][]string { return map[string][]string{key: {value}} }

// tagOnCreate is the tagging permission a create with tags also needs, on the new
// resource; createKey, when the service has one (ec2:CreateAction and the like), carries
// the create's operation name.
func tagOnCreate(action string, res resolver, tags tagReader, createKey string) func(q *authzQuery) []authzCheck {
	return func(q *authzQuery) []authzCheck {
		t, _ := tags(q)
		if len(t) == 0 {
			return nil
		}
		var out []authzCheck
		for _, r := range res(q) {
			ctx := map[string][]string{}
			addRequestTags(ctx, t, nil)
			if createKey != "" {
				ctx[strings.ToLower(createKey)] = []string{q.op}
			}
			out = append(out, authzCheck{action: action, resource: r, context: ctx})
		}
		return out
	}
}

// passRole is iam:PassRole on each role a request hands to a service.
func passRole(service string, paths ...string) func(q *authzQuery) []authzCheck {
	return func(q *authzQuery) []authzCheck {
		var out []authzCheck
		for _, p := range paths {
			if role := q.str(p); role != "" {
				out = append(out, authzCheck{action: "iam:PassRole", resource: roleRef(q, role),
					context: map[string][]string{"iam:passedtoservice": {service}}})
			}
		}
		return out
	}
}

// Request tags.

// formTags reads an awsquery/ec2query key-value list ("Tags.member.1.Key", "Tag.1.Key").
func formTags(path string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) { return q.params.Map(path, "Key", "Value"), nil }
}

// formTagKeys reads a list of tag keys of an untag call.
func formTagKeys(path string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) { return nil, q.params.Strings(path) }
}

// formTagKeysOf reads the keys of a key-value list (EC2 DeleteTags names tags to remove).
func formTagKeysOf(path string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) {
		return nil, sortedKeys(q.params.Map(path, "Key", "Value"))
	}
}

// jsonTags reads a JSON list of {key, value} objects, with the service's spelling.
func jsonTags(path, key, value string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) {
		var out map[string]string
		for _, it := range asList(q.json(path)) {
			m, _ := it.(map[string]any)
			k, _ := m[key].(string)
			v, _ := m[value].(string)
			if k != "" {
				if out == nil {
					out = map[string]string{}
				}
				out[k] = v
			}
		}
		return out, nil
	}
}

// jsonTagMap reads a JSON object of tags (Logs, Application Auto Scaling).
func jsonTagMap(path string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) {
		m, _ := q.json(path).(map[string]any)
		var out map[string]string
		for k, v := range m {
			if s, ok := v.(string); ok {
				if out == nil {
					out = map[string]string{}
				}
				out[k] = s
			}
		}
		return out, nil
	}
}

func jsonTagKeys(path string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) { return nil, q.strs(path) }
}

// jsonTagKeysOf reads the keys of a JSON list of {key, value} objects (ACM removes tags
// given that way).
func jsonTagKeysOf(path, key string) tagReader {
	return func(q *authzQuery) (map[string]string, []string) {
		var keys []string
		for _, it := range asList(q.json(path)) {
			m, _ := it.(map[string]any)
			if k, _ := m[key].(string); k != "" {
				keys = append(keys, k)
			}
		}
		return nil, keys
	}
}

// acmCertificateOrNew is the certificate a reimport names, or any new certificate.
func acmCertificateOrNew(q *authzQuery) []string {
	if arn := q.str("CertificateArn"); arn != "" {
		return []string{arn}
	}
	return []string{ARN("acm", q.region, "certificate/*")}
}

// EC2: arn:aws:ec2:<region>:<account>:<type>/<id>.

// ec2Create is a create that may carry TagSpecifications: their tags are request tags,
// and each tagged resource type needs ec2:CreateTags with ec2:CreateAction.
func ec2Create(rs ...resolver) authzRule {
	return authzRule{resources: all(rs...), tags: ec2TagSpecTags, implied: ec2CreateTags}
}

func ec2New(typ string) resolver { return arnOf("ec2", typ+"/*") }

func ec2Ref(typ, path string) resolver {
	return func(q *authzQuery) []string {
		if id := q.str(path); id != "" {
			return []string{ARN("ec2", q.region, typ+"/"+id)}
		}
		return nil
	}
}

// ec2Refs are the resources a CreateTags or DeleteTags names, typed by ID prefix.
func ec2Refs(path string) resolver {
	return func(q *authzQuery) []string {
		var out []string
		for _, id := range q.strs(path) {
			out = append(out, ARN("ec2", q.region, resourceTypeOf(id)+"/"+id))
		}
		return out
	}
}

func ec2TagSpecTags(q *authzQuery) (map[string]string, []string) {
	var out map[string]string
	for _, spec := range q.params.List("TagSpecification") {
		for k, v := range spec.Map("Tag", "Key", "Value") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out, nil
}

func ec2CreateTags(q *authzQuery) []authzCheck {
	var out []authzCheck
	for _, spec := range q.params.List("TagSpecification") {
		tags := spec.Map("Tag", "Key", "Value")
		if len(tags) == 0 {
			continue
		}
		ctx := map[string][]string{"ec2:createaction": {q.op}}
		addRequestTags(ctx, tags, nil)
		out = append(out, authzCheck{action: "ec2:CreateTags",
			resource: ARN("ec2", q.region, spec.String("ResourceType")+"/*"), context: ctx})
	}
	return out
}

// ec2Association is the route table (and subnet) of a DisassociateRouteTable.
func associationARNs(q *authzQuery) []string {
	st := q.state("ec2").(*ec2State)
	r := st.Regions[q.region]
	if r == nil {
		return nil
	}
	id := q.str("AssociationId")
	for _, rt := range r.RouteTables {
		for _, a := range rt.Associations {
			if a.ID != id {
				continue
			}
			out := []string{ARN("ec2", q.region, "route-table/"+rt.ID)}
			if a.SubnetID != "" {
				out = append(out, ARN("ec2", q.region, "subnet/"+a.SubnetID))
			}
			return out
		}
	}
	return nil
}

// ec2SecurityGroup is the group a call names by ID or, in the default VPC, by name.
func securityGroupARN(q *authzQuery) []string {
	id := q.str("GroupId")
	if name := q.str("GroupName"); id == "" && name != "" {
		if r := q.state("ec2").(*ec2State).Regions[q.region]; r != nil {
			for _, sg := range r.SecurityGroups {
				if sg.Name == name {
					id = sg.ID
				}
			}
		}
	}
	if id == "" {
		return nil
	}
	return []string{ARN("ec2", q.region, "security-group/"+id)}
}

// IAM: arn:aws:iam::<account>:role<path><name>.

func newRoleARN(q *authzQuery) []string {
	path := q.str("Path")
	if path == "" {
		path = "/"
	}
	return []string{"arn:aws:iam::" + Account + ":role" + path + q.str("RoleName")}
}

func newPolicyARN(q *authzQuery) []string {
	path := q.str("Path")
	if path == "" {
		path = "/"
	}
	return []string{"arn:aws:iam::" + Account + ":policy" + path + q.str("PolicyName")}
}

// roleARN is the named role's ARN, its path included.
func roleARN(q *authzQuery) []string { return []string{roleRef(q, q.str("RoleName"))} }

// roleRef resolves a role name (CodeBuild takes one) or ARN. IAM cannot know the path of
// a role that does not exist, so such a role is checked as role/<name>.
func roleRef(q *authzQuery, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	if role := q.state("iam").(*iamState).Roles[strings.ToLower(ref)]; role != nil {
		return role.ARN
	}
	return "arn:aws:iam::" + Account + ":role/" + ref
}

// iamPolicyARN is the managed policy a call attaches or detaches, with the role's
// permissions boundary.
func iamPolicyARN(q *authzQuery) map[string][]string {
	keys := roleBoundary(q)
	keys["iam:PolicyARN"] = []string{q.str("PolicyArn")}
	return keys
}

// roleBoundary is iam:PermissionsBoundary of a call on an existing role's policies: the
// boundary the role has (absent when it has none).
func roleBoundary(q *authzQuery) map[string][]string {
	if role := q.state("iam").(*iamState).Roles[strings.ToLower(q.str("RoleName"))]; role != nil {
		return keyOf("iam:PermissionsBoundary", role.PermissionsBoundary)
	}
	return map[string][]string{}
}

// ELBv2: loadbalancer/app/<name>/<id>, targetgroup/<name>/<id>,
// listener/app/<lb name>/<lb id>/<id>; a new resource's ID is not known yet.

func elbNew(kind string) resolver {
	return func(q *authzQuery) []string {
		res := kind + "/" + q.str("Name") + "/*"
		if kind == "loadbalancer" {
			typ := "app"
			if q.str("Type") == "network" {
				typ = "net"
			}
			res = kind + "/" + typ + "/" + q.str("Name") + "/*"
		}
		return []string{ARN("elasticloadbalancing", q.region, res)}
	}
}

func elbNewListener(q *authzQuery) []string {
	lb := q.str("LoadBalancerArn")
	if lb == "" {
		return nil
	}
	return []string{strings.Replace(lb, ":loadbalancer/", ":listener/", 1) + "/*"}
}

// ECS: cluster/<name>, service/<cluster>/<name>, task/<cluster>/<id>.

func ecsClusterName(ref string) string {
	if ref == "" {
		return "default"
	}
	return ref[strings.LastIndex(ref, "/")+1:]
}

func ecsNewClusterARN(q *authzQuery) []string {
	return []string{ARN("ecs", q.region, "cluster/"+ecsClusterName(q.str("clusterName")))}
}

func ecsClusterARN(q *authzQuery) []string {
	return []string{ARN("ecs", q.region, "cluster/"+ecsClusterName(q.str("cluster")))}
}

func ecsClusterARNs(q *authzQuery) []string {
	refs := q.strs("clusters")
	if len(refs) == 0 {
		refs = []string{""}
	}
	var out []string
	for _, ref := range refs {
		out = append(out, ARN("ecs", q.region, "cluster/"+ecsClusterName(ref)))
	}
	return out
}

func ecsServiceRef(q *authzQuery, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return ARN("ecs", q.region, "service/"+ecsClusterName(q.str("cluster"))+"/"+ref)
}

func ecsServiceARN(path string) resolver {
	return func(q *authzQuery) []string { return []string{ecsServiceRef(q, q.str(path))} }
}

func ecsServiceARNs(q *authzQuery) []string {
	var out []string
	for _, ref := range q.strs("services") {
		out = append(out, ecsServiceRef(q, ref))
	}
	return out
}

func ecsTaskARNs(q *authzQuery) []string {
	var out []string
	for _, ref := range q.strs("tasks") {
		if strings.HasPrefix(ref, "arn:") {
			out = append(out, ref)
			continue
		}
		out = append(out, ARN("ecs", q.region, "task/"+ecsClusterName(q.str("cluster"))+"/"+ref))
	}
	return out
}

func ecsNewTaskDefinitionARN(q *authzQuery) []string {
	return []string{ARN("ecs", q.region, "task-definition/"+q.str("family")+":*")}
}

// ECR: repository/<name>.

func repositoryARN(q *authzQuery) []string {
	return []string{ARN("ecr", q.region, "repository/"+q.str("repositoryName"))}
}

// ecrRepositories are the repositories a DescribeRepositories names, or all of them.
func repositoryARNs(q *authzQuery) []string {
	names := q.strs("repositoryNames")
	if len(names) == 0 {
		names = []string{"*"}
	}
	var out []string
	for _, n := range names {
		out = append(out, ARN("ecr", q.region, "repository/"+n))
	}
	return out
}

// Logs: log-group:<name>.

// logGroupARN is the group a request names by logGroupName or, where the operation has
// one, by logGroupIdentifier (a name or an ARN, maybe with the ":*" DescribeLogGroups adds).
func logGroupARN(q *authzQuery) []string {
	if id := q.str("logGroupIdentifier"); strings.HasPrefix(id, "arn:") {
		return []string{strings.TrimSuffix(id, ":*")}
	} else if id != "" {
		return []string{ARN("logs", q.region, "log-group:"+id)}
	}
	return []string{ARN("logs", q.region, "log-group:"+q.str("logGroupName"))}
}

// SSM: parameter/<name without its leading slash>; a parameter may be named by ARN.

func parameterARN(path string) resolver {
	return func(q *authzQuery) []string {
		name := q.str(path)
		if strings.HasPrefix(name, "arn:") {
			return []string{name}
		}
		return []string{ssmARN(q.region, name)}
	}
}

func parameterARNs(path string) resolver {
	return func(q *authzQuery) []string {
		var out []string
		for _, name := range q.strs(path) {
			if !strings.HasPrefix(name, "arn:") {
				name = ssmARN(q.region, name)
			}
			out = append(out, name)
		}
		return out
	}
}

// S3: arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/<key>.

func bucketARN(q *authzQuery) []string {
	bucket, _ := BucketAndKey(q.http)
	return []string{"arn:aws:s3:::" + bucket}
}

func objectARN(q *authzQuery) []string {
	bucket, key := BucketAndKey(q.http)
	return []string{"arn:aws:s3:::" + bucket + "/" + key}
}

// s3BucketTags reads the tags of CreateBucketConfiguration.
func s3BucketTags(q *authzQuery) (map[string]string, []string) {
	var cfg struct {
		Tags []struct{ Key, Value string } `xml:"Tags>Tag"`
	}
	if xml.Unmarshal(q.raw, &cfg) != nil || len(cfg.Tags) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, t := range cfg.Tags {
		out[t.Key] = t.Value
	}
	return out, nil
}

// s3ObjectTagging turns PutObject's x-amz-tagging header into s3:RequestObjectTag keys.
func s3ObjectTagging(q *authzQuery) map[string][]string {
	v, err := url.ParseQuery(q.http.Header.Get("X-Amz-Tagging"))
	if err != nil || len(v) == 0 {
		return nil
	}
	out := map[string][]string{}
	for k, vals := range v {
		out["s3:RequestObjectTag/"+k] = vals[:1]
		out["s3:RequestObjectTagKeys"] = append(out["s3:RequestObjectTagKeys"], k)
	}
	return out
}

// s3ListKeys are the condition keys of a listing: s3:prefix, s3:delimiter, s3:max-keys.
func s3ListKeys(q *authzQuery) map[string][]string {
	v := q.http.URL.Query()
	return map[string][]string{"s3:prefix": {v.Get("prefix")}, "s3:delimiter": {v.Get("delimiter")}, "s3:max-keys": {v.Get("max-keys")}}
}

// s3DeleteObject: deleting a version of an object is s3:DeleteObjectVersion.
func s3DeleteObject(q *authzQuery) []authzCheck {
	action := "s3:DeleteObject"
	if q.http.URL.Query().Has("versionId") {
		action = "s3:DeleteObjectVersion"
	}
	return []authzCheck{{action: action, resource: objectARN(q)[0], context: map[string][]string{}}}
}

// s3DeleteObjects checks s3:DeleteObject (s3:DeleteObjectVersion for a version) on each
// key of the batch.
func s3DeleteObjects(q *authzQuery) []authzCheck {
	var in struct {
		Objects []struct{ Key, VersionId string } `xml:"Object"`
	}
	if xml.Unmarshal(q.raw, &in) != nil {
		return nil
	}
	bucket, _ := BucketAndKey(q.http)
	var out []authzCheck
	for _, o := range in.Objects {
		action := "s3:DeleteObject"
		if o.VersionId != "" {
			action = "s3:DeleteObjectVersion"
		}
		out = append(out, authzCheck{action: action, resource: "arn:aws:s3:::" + bucket + "/" + o.Key, context: map[string][]string{}})
	}
	return out
}

// CodeBuild: project/<name>; a build ID is "<project>:<uuid>".

func cbProjectRef(q *authzQuery, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return cbProjectARN(q.region, ref)
}

func projectARN(path string) resolver {
	return func(q *authzQuery) []string { return []string{cbProjectRef(q, q.str(path))} }
}

func projectARNs(q *authzQuery) []string {
	var out []string
	for _, ref := range q.strs("names") {
		out = append(out, cbProjectRef(q, ref))
	}
	return out
}

func buildProjectARNs(path string) resolver {
	return func(q *authzQuery) []string {
		ids := q.strs(path)
		if id := q.str(path); id != "" {
			ids = []string{id}
		}
		var out []string
		for _, id := range ids {
			id = id[strings.LastIndex(id, "/")+1:]
			project, _, _ := strings.Cut(id, ":")
			out = append(out, cbProjectARN(q.region, project))
		}
		return out
	}
}

// CodePipeline: arn:aws:codepipeline:<region>:<account>:<name>.

func pipelineARN(path string) resolver {
	return func(q *authzQuery) []string { return []string{ARN("codepipeline", q.region, q.str(path))} }
}

// Application Auto Scaling: scalable-target/<id>, found by namespace, resource ID and
// dimension; a target not registered yet is scalable-target/*.
func scalableTargetARN(q *authzQuery) []string {
	if r := q.state("application-autoscaling").(*aasState).Regions[q.region]; r != nil {
		if t := r.Targets[aasKey(q.str("ServiceNamespace"), q.str("ResourceId"), q.str("ScalableDimension"))]; t != nil {
			return []string{t.ARN}
		}
	}
	return []string{ARN("application-autoscaling", q.region, "scalable-target/*")}
}

// targetTrackingAlarms are the checks of the CloudWatch actions a call on a target tracking
// policy needs on its alarms: those of the policy it names, or, for a policy not created
// yet, the alarms AWS will name TargetTracking-<resource ID>-AlarmHigh-<uuid> and -AlarmLow-.
func targetTrackingAlarms(actions ...string) func(q *authzQuery) []authzCheck {
	return func(q *authzQuery) []authzCheck {
		var alarms []string
		key := aasKey(q.str("ServiceNamespace"), q.str("ResourceId"), q.str("ScalableDimension"))
		var p *aasPolicy
		if r := q.state("application-autoscaling").(*aasState).Regions[q.region]; r != nil && r.Targets[key] != nil {
			p = r.Targets[key].Policies[q.str("PolicyName")]
		}
		switch {
		case p != nil:
			for _, a := range p.Alarms {
				alarms = append(alarms, a.AlarmARN)
			}
		case q.op == "PutScalingPolicy" && q.str("PolicyType") == "TargetTrackingScaling":
			for _, kind := range []string{"AlarmHigh", "AlarmLow"} {
				alarms = append(alarms, ARN("cloudwatch", q.region, "alarm:TargetTracking-"+q.str("ResourceId")+"-"+kind+"-*"))
			}
		}
		var out []authzCheck
		for _, action := range actions {
			for _, a := range alarms {
				out = append(out, authzCheck{action: action, resource: a, context: map[string][]string{}})
			}
		}
		return out
	}
}
