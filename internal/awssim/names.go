package awssim

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// AWS's rules for the names and tags of the resources the simulator creates, in one place so
// that each create handler refuses what AWS refuses with a one-line check. The limits and
// patterns are those of each service's API reference (the request shapes' constraints); the
// error codes are those of the SDK's types/errors.go, or the model-validation code of the
// protocol (ValidationError for awsquery, ValidationException for JSON) where AWS answers a
// broken constraint before the operation runs.

var (
	elbNameRE      = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$`)
	iamNameRE      = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathRE      = regexp.MustCompile(`^(/|/[\x21-\x7f]+/)$`)
	ec2GroupTextRE = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$`)
	ecrNameRE      = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	logGroupNameRE = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`)
	s3BucketRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	s3IPRE         = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	cbNameRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}$`)
	cpNameRE       = regexp.MustCompile(`^[A-Za-z0-9.@\-_]{1,100}$`)
	ecsNameRE      = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)
	ssmNameRE      = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)
	// tagCharsRE is the key and value pattern most services' Tag shapes share.
	tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// checkELBv2Name validates a load balancer or target group name (what: "Load balancer" or
// "Target group"): 1-32 alphanumerics or hyphens, no hyphen at either end, and no load
// balancer name beginning with "internal-" (AWS reserves it for internal DNS names).
func checkELBv2Name(what, name string) error {
	switch {
	case name == "":
		return Errorf("ValidationError", "%s name cannot be empty", what)
	case len(name) > 32:
		return Errorf("ValidationError", "%s name '%s' cannot be longer than '32' characters", what, name)
	case !elbNameRE.MatchString(name):
		return Errorf("ValidationError", "%s name '%s' can only contain characters that are alphanumeric characters or hyphens(-) and must not begin or end with a hyphen", what, name)
	case what == "Load balancer" && strings.HasPrefix(name, "internal-"):
		return Errorf("ValidationError", "Load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

// checkRoleName validates an IAM role name: 1-64 characters of [\w+=,.@-].
func checkRoleName(name string) error {
	if len(name) < 1 || len(name) > 64 || !iamNameRE.MatchString(name) {
		return iamValidation(name, "roleName", `Member must satisfy regular expression pattern: [\w+=,.@-]+ and have length between 1 and 64`)
	}
	return nil
}

// checkPolicyName validates an inline policy name: 1-128 characters of [\w+=,.@-].
func checkPolicyName(name string) error {
	if len(name) < 1 || len(name) > 128 || !iamNameRE.MatchString(name) {
		return iamValidation(name, "policyName", `Member must satisfy regular expression pattern: [\w+=,.@-]+ and have length between 1 and 128`)
	}
	return nil
}

// checkRolePath validates an IAM path: 1-512 characters, "/" alone or ASCII from "!" to DEL
// between two slashes.
func checkRolePath(path string) error {
	if len(path) < 1 || len(path) > 512 || !iamPathRE.MatchString(path) {
		return iamValidation(path, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007F]+\u002F) and have length between 1 and 512`)
	}
	return nil
}

// checkGroupName validates a VPC security group's name and description: at most 255
// characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, and a name not in the
// format of a group ID.
func checkGroupName(name, description string) error {
	for _, f := range []struct{ param, value string }{{"GroupName", name}, {"GroupDescription", description}} {
		switch {
		case len(f.value) > 255:
			return Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Length exceeds maximum of 255.", f.value, f.param)
		case !ec2GroupTextRE.MatchString(f.value):
			return Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", f.value, f.param)
		}
	}
	if strings.HasPrefix(name, "sg-") {
		return Errorf("InvalidParameterValue", "Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	}
	return nil
}

// checkRepositoryName validates an ECR repository name: 2-256 characters, lowercase
// components separated by ".", "_" or "-", with optional "/" namespaces.
func checkRepositoryName(name string) error {
	if len(name) < 2 || len(name) > 256 || !ecrNameRE.MatchString(name) {
		return ecrInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and length 2-256'")
	}
	return nil
}

// checkLogGroupName validates a log group name: 1-512 characters of [.-_/#A-Za-z0-9].
func checkLogGroupName(name string) error {
	if len(name) < 1 || len(name) > 512 || !logGroupNameRE.MatchString(name) {
		return logsInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and have length between 1 and 512", name)
	}
	return nil
}

// Prefixes and suffixes S3 reserves in general purpose bucket names.
var (
	s3ReservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	s3ReservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// checkBucketName validates a general purpose bucket name: 3-63 lowercase letters, digits,
// dots and hyphens, a letter or digit at both ends, no adjacent dots or a dot next to a
// hyphen, not an IP address, and none of the reserved prefixes and suffixes.
func checkBucketName(name string) error {
	ok := s3BucketRE.MatchString(name) && !s3IPRE.MatchString(name) &&
		!strings.Contains(name, "..") && !strings.Contains(name, ".-") && !strings.Contains(name, "-.") &&
		!slices.ContainsFunc(s3ReservedPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) &&
		!slices.ContainsFunc(s3ReservedSuffixes, func(s string) bool { return strings.HasSuffix(name, s) })
	if !ok {
		return s3Err(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
	}
	return nil
}

// checkProjectName validates a CodeBuild project name: 2-255 characters, a letter or digit
// first, then letters, digits, hyphens and underscores.
func checkProjectName(name string) error {
	if !cbNameRE.MatchString(name) {
		return cbValidation("Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,254}", name)
	}
	return nil
}

// checkECSName validates a cluster or service name (what: "Cluster" or "Service"): 1-255
// letters, digits, hyphens and underscores.
func checkECSName(what, name string) error {
	if !ecsNameRE.MatchString(name) {
		return ecsInvalid("%s name can only contain letters, numbers, hyphens and underscores, up to 255 characters.", what)
	}
	return nil
}

// checkFamily validates a task definition family, which ECS refuses as a ClientException.
func checkFamily(name string) error {
	if !ecsNameRE.MatchString(name) {
		return ecsClientErr("Family contains invalid characters or is too long: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.")
	}
	return nil
}

// checkConnectionName validates a CodeStar connection name: 1-32 characters of any kind.
func checkConnectionName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
		return codestarValidation("1 validation error detected: Value '%s' at 'connectionName' failed to satisfy constraint: Member must have length between 1 and 32", name)
	}
	return nil
}

// ssmMaxARN is the longest parameter ARN Parameter Store accepts: its 2048-character name
// limit keeps 1037 for internal use, and the 1011 left include the ARN before the name.
const ssmMaxARN = 1011

// checkParameterName validates a parameter name the way Parameter Store does: allowed
// characters, a hierarchy must start with "/", at most 15 levels, the length limit, and no
// reserved aws or ssm prefix (any case, also after the leading slash).
func checkParameterName(region, name string) error {
	switch {
	case len(name) > 2048:
		return Errorf("ValidationException", "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048", name)
	case name == "" || !ssmNameRE.MatchString(name):
		return Errorf("ValidationException", "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.")
	case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
		return Errorf("ValidationException", "Parameter name must be a fully qualified name.")
	case strings.Count(name, "/") > 15:
		return Errorf("HierarchyLevelLimitExceededException", "Parameter name %s exceeds the hierarchy limit of 15 levels", name)
	case len(ssmARN(region, name)) > ssmMaxARN:
		return Errorf("ValidationException", "Parameter name %s is too long: with its ARN it must be at most %d characters.", name, ssmMaxARN)
	}
	first := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return Errorf("ValidationException", "No access to reserved parameter name: %s.", name)
	}
	return nil
}

// tagProblem is the tag rule a request broke.
type tagProblem int

const (
	tagKeyInvalid   tagProblem = iota + 1 // empty, too long, or characters outside the pattern
	tagValueInvalid                       // too long, or characters outside the pattern
	tagKeyReserved                        // starts with "aws:" in any case
	tagsTooMany                           // more tags in one request than a resource may hold
)

// tagRule is one service's tag limits and the errors it answers each broken rule with.
type tagRule struct {
	maxKey, maxValue, maxTags int
	chars                     *regexp.Regexp // allowed in keys and values; nil allows any
	refuse                    func(p tagProblem, key, value string) *APIError
}

// tagRules are the tag rules by service signing name. The limit on a resource's tags after
// a merge (TagResource and friends) stays with each service's handler.
var tagRules = map[string]tagRule{
	"ec2": {128, 256, 50, nil, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return Errorf("InvalidParameterValue", "Value ( %s ) for parameter key is invalid. Tag keys must be between 1 and 128 characters.", k)
		case tagValueInvalid:
			return Errorf("InvalidParameterValue", "Value ( %s ) for parameter value is invalid. Tag values must be at most 256 characters.", v)
		case tagKeyReserved:
			return Errorf("InvalidParameterValue", "Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", k)
		}
		return Errorf("TagLimitExceeded", "The maximum number of tags for a resource has been reached.")
	}},
	"elasticloadbalancing": {128, 256, 50, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return Errorf("ValidationError", "1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", k)
		case tagValueInvalid:
			return Errorf("ValidationError", "1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", v)
		case tagKeyReserved:
			return Errorf("ValidationError", "Tag key '%s' is not valid: keys starting with 'aws:' are reserved for internal use", k)
		}
		return Errorf("TooManyTags", "The quota for the number of tags that can be assigned to a resource has been reached")
	}},
	"ecs": {128, 256, 50, tagCharsRE, func(p tagProblem, k, _ string) *APIError {
		switch p {
		case tagKeyInvalid, tagValueInvalid:
			return ecsInvalid("Invalid tag: a key must be 1-128 characters and a value at most 256 characters, of letters, numbers, spaces and _.:/=+-@.")
		case tagKeyReserved:
			return ecsInvalid("Tag keys beginning with 'aws:' are reserved for system use: %s.", k)
		}
		return ecsInvalid("Too many tags have been specified. A resource can have at most 50 tags.")
	}},
	"ecr": {128, 256, 50, nil, func(p tagProblem, k, _ string) *APIError {
		switch p {
		case tagKeyInvalid, tagValueInvalid:
			return Errorf("InvalidTagParameterException", "Invalid parameter at 'tags' failed to satisfy constraint: 'tag key must be 1-128 characters and value at most 256'")
		case tagKeyReserved:
			return Errorf("InvalidTagParameterException", "The 'aws:' prefix is reserved for AWS use: %s", k)
		}
		return Errorf("TooManyTagsException", "A repository can have at most 50 tags")
	}},
	"iam": {128, 256, iamMaxTags, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return iamValidation(k, "tags.member.key", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+ and have length between 1 and 128`)
		case tagValueInvalid:
			return iamValidation(v, "tags.member.value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]* and have length less than or equal to 256`)
		case tagKeyReserved:
			return Errorf("InvalidInput", "Tag keys starting with 'aws:' are reserved for internal AWS use")
		}
		return iamValidation("", "tags", fmt.Sprintf("Member must have length less than or equal to %d", iamMaxTags))
	}},
	"logs": {128, 256, logsMaxTags, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return logsInvalid("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length between 1 and 128, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]", k)
		case tagValueInvalid:
			return logsInvalid("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Map values must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]", v)
		case tagKeyReserved:
			return logsInvalid("Tag keys starting with 'aws:' are reserved for AWS use")
		}
		return logsInvalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", logsMaxTags)
	}},
	"ssm": {128, 256, 50, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return Errorf("ValidationException", "1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", k)
		case tagValueInvalid:
			return Errorf("ValidationException", "1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", v)
		case tagKeyReserved:
			return Errorf("ValidationException", "Tag keys starting with 'aws:' are reserved for internal use: %s", k)
		}
		return Errorf("TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.")
	}},
	"codebuild": {127, 255, 50, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return cbValidation("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 127 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=@+\\-]*)$", k)
		case tagValueInvalid:
			return cbValidation("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 255 and satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=@+\\-]*)$", v)
		case tagKeyReserved:
			return cbInvalid("Invalid tag key: the aws: prefix is reserved")
		}
		return cbValidation("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}},
	"codepipeline": {128, 256, 50, nil, func(p tagProblem, _, _ string) *APIError {
		switch p {
		case tagKeyInvalid, tagValueInvalid:
			return Errorf("InvalidTagsException", "Invalid tag: a key must be 1-128 characters and a value at most 256 characters")
		case tagKeyReserved:
			return Errorf("InvalidTagsException", "Tag keys starting with 'aws:' are reserved for AWS use")
		}
		return Errorf("TooManyTagsException", "Tag limit exceeded: a resource can have at most 50 tags")
	}},
	"codestar-connections": {128, 256, codestarMaxTags, nil, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return codestarValidation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", k)
		case tagValueInvalid:
			return codestarValidation("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", v)
		case tagKeyReserved:
			return codestarValidation("Tag keys cannot start with the reserved prefix 'aws:'.")
		}
		return Errorf("LimitExceededException", "Tag limit exceeded: a resource can have at most %d tags.", codestarMaxTags)
	}},
	"acm": {128, 256, 50, tagCharsRE, func(p tagProblem, k, v string) *APIError {
		switch p {
		case tagKeyInvalid:
			return Errorf("InvalidTagException", "One or more tag keys are invalid: '%s' must be 1-128 characters of letters, numbers, spaces and _.:/=+-@.", k)
		case tagValueInvalid:
			return Errorf("InvalidTagException", "One or more tag values are invalid: '%s' must be at most 256 characters of letters, numbers, spaces and _.:/=+-@.", v)
		case tagKeyReserved:
			return Errorf("InvalidTagException", "Tag keys starting with 'aws:' are reserved for AWS use: %s", k)
		}
		return Errorf("TooManyTagsException", "A certificate can have at most 50 tags.")
	}},
	"application-autoscaling": {128, 256, aasMaxTags, nil, func(p tagProblem, _, _ string) *APIError {
		switch p {
		case tagKeyInvalid, tagValueInvalid:
			return aasInvalid("Invalid tag: a key must be 1-128 characters and a value at most 256 characters.")
		case tagKeyReserved:
			return aasInvalid("Tag keys starting with 'aws:' are reserved for AWS use.")
		}
		return Errorf("TooManyTagsException", "A scalable target can have no more than %d tags.", aasMaxTags)
	}},
}

// checkTags applies service's tag rules to the tags of one request, keys in sorted order so
// that the same request always fails on the same tag. Lengths count characters, as AWS's do.
func checkTags(service string, tags map[string]string) error {
	rule := tagRules[service]
	if len(tags) > rule.maxTags {
		return rule.refuse(tagsTooMany, "", "")
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		switch {
		case k == "" || utf8.RuneCountInString(k) > rule.maxKey || (rule.chars != nil && !rule.chars.MatchString(k)):
			return rule.refuse(tagKeyInvalid, k, v)
		case utf8.RuneCountInString(v) > rule.maxValue || (rule.chars != nil && !rule.chars.MatchString(v)):
			return rule.refuse(tagValueInvalid, k, v)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return rule.refuse(tagKeyReserved, k, v)
		}
	}
	return nil
}
