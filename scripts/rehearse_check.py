"""Checks deployed stages through the AWS API (boto3), for scripts/rehearse.sh.

    rehearse_check.py STAGE [STAGE ...] [--stage-dir DIR] [--snapshot FILE] [--unchanged FILE]
                      [--alarm-email STAGE=ADDRESS ...]

For each stage, the stack vod-progress-<STAGE> must be complete and its resources must exist
as the stack and docs/wiring.md say: tables (with their keys and the owner index), buckets
(the upload trigger's prefix and suffix filters, the uploads' expiry), functions (runtime,
architecture, the zip of the right binary, the environment naming this stage's own tables,
buckets, role, template and parameters), dead-letter queues, the EventBridge rule and its
target, log groups, the HTTP API, its routes (each behind the JWT authorizer), the upload
route's throttle, sign-in (the Cognito pool, its client and hosted-UI domain, or in OIDC mode
none of them and the given issuer), and the outputs. Stage parameters come from
<DIR>/<STAGE>.json (default cloudformation/). With several stages, no
physical name may be shared between them. --snapshot writes the physical ids;
--unchanged compares against such a file (a redeploy of an unchanged stage replaces nothing).
--alarm-email says which stages were deployed with AlarmEmail set: those must have the SNS
topic, its e-mail subscription and every alarm (each notifying the topic); every other stage
must have no topic, subscription or alarm at all.

Prints one line per check ("ok ..." or "FAIL ...") and exits 1 when any check failed.
"""

import argparse
import ast
import base64
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import boto3
from checks import Checks

ROOT = Path(__file__).resolve().parent.parent
BINARIES = ("create-job", "job-state", "status-api")
# docs/wiring.md: the environment each function reads.
ENVIRONMENT = {
    "create-job": {
        "INPUT_FILE_TABLE",
        "JOB_OUTPUT_TABLE",
        "JOB_STATUS_TABLE",
        "OUTPUT_BUCKET",
        "MEDIACONVERT_ROLE_ARN",
        "MEDIACONVERT_JOB_TEMPLATE",
        "STATUS_UPDATE_INTERVAL_SECONDS",
        "TTL_DAYS",
        "STACK_NAME",
        "API_URL",
    },
    "job-state": {"JOB_OUTPUT_TABLE", "JOB_STATUS_TABLE", "OUTPUT_BUCKET", "TTL_DAYS", "EVENTS_PUBLISH_URL"},
    "status-api": {
        "INPUT_FILE_TABLE",
        "JOB_OUTPUT_TABLE",
        "JOB_STATUS_TABLE",
        "INPUT_BUCKET",
        "VIDEO_SUFFIXES",
        "UPLOAD_PREFIX",
        "MAX_UPLOAD_BYTES",
        "UPLOADS_PER_USER_PER_DAY",
        "UPLOAD_QUOTA_TABLE",
        "STATUS_UPDATE_INTERVAL_SECONDS",
        "PLAYBACK_URL",
        "SIGN_IN_KIND",
        "SIGN_IN_URL",
        "SIGN_IN_CLIENT_ID",
        "EVENTS_HTTP_DOMAIN",
        "EVENTS_REALTIME_URL",
    },
}
# The template's defaults for the parameters a stage file may leave out.
DEFAULTS = {
    "MaxUploadBytes": "8589934592",
    "UploadsPerUserPerDay": "20",
    "InputRetentionDays": "7",
    "SelfSignUp": "false",
    "OidcIssuer": "",
    "OidcAudience": "",
}
UPLOAD_PREFIX = "uploads/"
# wiring::PLAYBACK_PREFIX ("hls/"), served by CloudFront as the origin path /hls.
PLAYBACK_ORIGIN_PATH = "/hls"
UPLOAD_ROUTE = "POST /uploads"
JWT_IDENTITY_SOURCE = ["$request.header.Authorization"]
# Asynchronously invoked (S3, EventBridge): each needs an on-failure dead-letter queue.
ASYNC_BINARIES = ("create-job", "job-state")
TABLE_OUTPUTS = {
    "INPUT_FILE_TABLE": ("InputFileTableName", "InputFile"),
    "JOB_OUTPUT_TABLE": ("JobOutputTableName", "JobId"),
    "JOB_STATUS_TABLE": ("JobStatusTableName", "JobId"),
    "UPLOAD_QUOTA_TABLE": ("UploadQuotaTableName", "QuotaKey"),
}
BUCKET_OUTPUTS = {"INPUT_BUCKET": "InputBucketName", "OUTPUT_BUCKET": "OutputBucketName"}
ROUTES = {
    "GET /jobs", "GET /jobs/{jobId}", "GET /jobs/{jobId}/key", "DELETE /jobs/{jobId}",
    "POST /jobs/{jobId}/cancel", "POST /uploads", "POST /uploads/parts", "GET /uploads/parts",
    "POST /uploads/complete", "POST /uploads/abort", "GET /", "GET /assets/{file}",
}
# The front end's page and assets: public, the page signs in by itself.
PUBLIC_ROUTES = {"GET /", "GET /assets/{file}"}
# Physical ids of these types are scoped to their parent (an API), not global names.
SCOPED_TYPES = {
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
}
COGNITO_TYPES = ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain")
STAGE_DIR = ROOT / "cloudformation"


def client(service: str) -> Any:
    return boto3.client(service)


def stage_parameters(stage: str) -> dict[str, str]:
    data = json.loads((STAGE_DIR / f"{stage}.json").read_text())
    return {**DEFAULTS, **dict(item.split("=", 1) for item in data)}


def zip_digests() -> dict[str, str]:
    digests = {}
    for binary in BINARIES:
        raw = (ROOT / "target" / "lambda" / binary / "bootstrap.zip").read_bytes()
        digests[base64.b64encode(hashlib.sha256(raw).digest()).decode()] = binary
    return digests


def resources(stack: str) -> list[dict[str, Any]]:
    pages = client("cloudformation").get_paginator("list_stack_resources")
    return [r for page in pages.paginate(StackName=stack) for r in page["StackResourceSummaries"]]


def of_type(res: list[dict[str, Any]], kind: str) -> list[str]:
    return [r["PhysicalResourceId"] for r in res if r["ResourceType"] == kind]


def queue_arn(url: str) -> str:
    attrs = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attrs["Attributes"]["QueueArn"]


def check_stage(c: Checks, stage: str, digests: dict[str, str]) -> dict[str, Any]:
    stack = f"vod-progress-{stage}"
    params = stage_parameters(stage)
    cfn = client("cloudformation")

    described = c.attempt(f"{stage}: stack {stack} exists", lambda: cfn.describe_stacks(StackName=stack))
    if not described:
        return {}
    status = described["Stacks"][0]["StackStatus"]
    c.check(f"{stage}: stack status is complete", status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), status)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs") or []}
    wanted_outputs = {"ApiUrl", *BUCKET_OUTPUTS.values(), *(v[0] for v in TABLE_OUTPUTS.values())}
    c.check(f"{stage}: outputs {sorted(wanted_outputs)}", wanted_outputs <= outputs.keys(), f"got {sorted(outputs)}")

    res = resources(stack)
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in res}

    # Tables: the three of wiring.md and the upload quota, each with its partition key.
    tables = of_type(res, "AWS::DynamoDB::Table")
    c.check(f"{stage}: 4 tables in the stack", len(tables) == 4, f"found {tables}")
    ddb = client("dynamodb")
    for variable, (output, key) in TABLE_OUTPUTS.items():
        name = outputs.get(output, "")
        c.check(f"{stage}: output {output} is a table of this stack", name in tables, name)
        table = c.attempt(f"{stage}: table {output} exists", lambda n=name: ddb.describe_table(TableName=n))
        if table:
            schema = table["Table"]["KeySchema"]
            c.check(f"{stage}: table {output} is keyed by {key}", schema == [{"AttributeName": key, "KeyType": "HASH"}], str(schema))
            if output == "InputFileTableName":
                indexes = {i["IndexName"]: i["KeySchema"] for i in table["Table"].get("GlobalSecondaryIndexes", [])}
                owner = [{"AttributeName": "Owner", "KeyType": "HASH"}, {"AttributeName": "CreationTime", "KeyType": "RANGE"}]
                c.check(f"{stage}: table {output} has OwnerIndex (Owner, CreationTime)", indexes.get("OwnerIndex") == owner, str(indexes))

    # Buckets: every bucket of the stack exists; input and output are distinct.
    buckets = of_type(res, "AWS::S3::Bucket")
    c.check(f"{stage}: input, output (and log) buckets in the stack", len(buckets) >= 2, f"found {buckets}")
    s3 = client("s3")
    for bucket in buckets:
        c.attempt(f"{stage}: bucket {bucket} exists", lambda b=bucket: s3.head_bucket(Bucket=b))
    for output in BUCKET_OUTPUTS.values():
        c.check(f"{stage}: output {output} is a bucket of this stack", outputs.get(output) in buckets, str(outputs.get(output)))
    c.check(f"{stage}: input and output buckets differ", outputs.get("InputBucketName") != outputs.get("OutputBucketName"))
    check_input_bucket(c, stage, s3, outputs.get("InputBucketName", ""), params)

    # Queues: all exist.
    queues = {}
    for url in of_type(res, "AWS::SQS::Queue"):
        arn = c.attempt(f"{stage}: queue {url.rsplit('/', 1)[-1]} exists", lambda u=url: queue_arn(u))
        if arn:
            queues[arn] = url
    c.check(f"{stage}: dead-letter queues in the stack", len(queues) >= len(ASYNC_BINARIES) + 1, f"found {list(queues)}")

    # Roles: find the one MediaConvert assumes.
    iam = client("iam")
    mediaconvert_roles = []
    for role_name in of_type(res, "AWS::IAM::Role"):
        role = c.attempt(f"{stage}: role {role_name} exists", lambda r=role_name: iam.get_role(RoleName=r))
        if role and "mediaconvert.amazonaws.com" in json.dumps(role["Role"]["AssumeRolePolicyDocument"]):
            mediaconvert_roles.append(role["Role"]["Arn"])
    c.check(f"{stage}: one role assumed by MediaConvert", len(mediaconvert_roles) == 1, str(mediaconvert_roles))
    templates = of_type(res, "AWS::MediaConvert::JobTemplate")
    c.check(f"{stage}: one MediaConvert job template", len(templates) == 1, str(templates))

    # Functions: each one runs the zip of one binary, with that binary's environment.
    lam = client("lambda")
    functions: dict[str, dict[str, Any]] = {}
    names = of_type(res, "AWS::Lambda::Function")
    c.check(f"{stage}: 3 functions in the stack", len(names) == 3, str(names))
    for name in names:
        conf = c.attempt(f"{stage}: function {name} exists", lambda n=name: lam.get_function_configuration(FunctionName=n))
        if not conf:
            continue
        binary = digests.get(conf["CodeSha256"])
        if c.check(f"{stage}: function {name} runs one of the built zips", binary is not None, conf["CodeSha256"]):
            functions[binary] = conf
    c.check(f"{stage}: each binary has its function", set(functions) == set(BINARIES), str(sorted(functions)))

    expected_values = {
        "STACK_NAME": stack,
        "MEDIACONVERT_ROLE_ARN": mediaconvert_roles[0] if len(mediaconvert_roles) == 1 else None,
        "MEDIACONVERT_JOB_TEMPLATE": templates[0] if len(templates) == 1 else None,
        "STATUS_UPDATE_INTERVAL_SECONDS": params.get("StatusUpdateIntervalSeconds"),
        "TTL_DAYS": params.get("TtlDays"),
        "UPLOAD_PREFIX": UPLOAD_PREFIX,
        "MAX_UPLOAD_BYTES": params["MaxUploadBytes"],
        "UPLOADS_PER_USER_PER_DAY": params["UploadsPerUserPerDay"],
        # The key URLs start with the API's URL; playbackUrl with the distribution's.
        "API_URL": outputs.get("ApiUrl"),
        "PLAYBACK_URL": outputs.get("PlaybackBaseUrl"),
        **{v: outputs.get(o) for v, (o, _) in TABLE_OUTPUTS.items()},
        **{v: outputs.get(o) for v, o in BUCKET_OUTPUTS.items()},
    }
    for binary, conf in sorted(functions.items()):
        c.check(f"{stage}: {binary} runtime provided.al2023, handler bootstrap", (conf["Runtime"], conf["Handler"]) == ("provided.al2023", "bootstrap"), f"{conf['Runtime']} {conf['Handler']}")
        arch = params.get("LambdaArchitecture", "arm64")
        c.check(f"{stage}: {binary} architecture {arch}", conf.get("Architectures") == [arch], str(conf.get("Architectures")))
        env = {k: str(v) for k, v in (conf.get("Environment") or {}).get("Variables", {}).items()}
        missing = ENVIRONMENT[binary] - env.keys()
        c.check(f"{stage}: {binary} environment has {sorted(ENVIRONMENT[binary])}", not missing, f"missing {sorted(missing)}")
        for variable in sorted(ENVIRONMENT[binary] & env.keys() & expected_values.keys()):
            c.check(f"{stage}: {binary} {variable} is this stage's", env[variable] == str(expected_values[variable]), f"{env[variable]!r}, expected {expected_values[variable]!r}")
        if binary in ASYNC_BINARIES:
            target = (conf.get("DeadLetterConfig") or {}).get("TargetArn")
            c.check(f"{stage}: {binary} dead-letter queue is a queue of this stack", target in queues, str(target))

    # The EventBridge rule: this stack's MediaConvert jobs -> job-state, with its own DLQ.
    events = client("events")
    rules = of_type(res, "AWS::Events::Rule")
    c.check(f"{stage}: one EventBridge rule", len(rules) == 1, str(rules))
    for rule in rules:
        described_rule = c.attempt(f"{stage}: rule {rule} exists", lambda r=rule: events.describe_rule(Name=r))
        if not described_rule:
            continue
        pattern = json.loads(described_rule["EventPattern"])
        c.check(
            f"{stage}: rule matches MediaConvert job state changes of {stack}",
            pattern.get("source") == ["aws.mediaconvert"]
            and pattern.get("detail-type") == ["MediaConvert Job State Change"]
            and pattern.get("detail", {}).get("userMetadata", {}).get("stack") == [stack],
            json.dumps(pattern),
        )
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        job_state_arn = functions.get("job-state", {}).get("FunctionArn")
        c.check(f"{stage}: rule targets job-state", [t["Arn"] for t in targets] == [job_state_arn], str([t["Arn"] for t in targets]))
        dlqs = [(t.get("DeadLetterConfig") or {}).get("Arn") for t in targets]
        c.check(f"{stage}: rule target's dead-letter queue is a queue of this stack", bool(dlqs) and all(d in queues for d in dlqs), str(dlqs))

    # Log groups with the stage's retention.
    logs = client("logs")
    retention = int(params.get("LogRetentionDays", "0"))
    for group in of_type(res, "AWS::Logs::LogGroup"):
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        days = [g.get("retentionInDays") for g in found if g["logGroupName"] == group]
        c.check(f"{stage}: log group {group} keeps {retention} days", days == [retention], str(days))

    # HTTP API: the routes of the design, all to status-api; ApiUrl is its endpoint.
    apigw = client("apigatewayv2")
    apis = of_type(res, "AWS::ApiGatewayV2::Api")
    c.check(f"{stage}: one HTTP API", len(apis) == 1, str(apis))
    for api_id in apis:
        api = c.attempt(f"{stage}: HTTP API {api_id} exists", lambda a=api_id: apigw.get_api(ApiId=a))
        if not api:
            continue
        c.check(f"{stage}: output ApiUrl is the API's endpoint", outputs.get("ApiUrl") == api["ApiEndpoint"], f"{outputs.get('ApiUrl')} vs {api['ApiEndpoint']}")
        routes = apigw.get_routes(ApiId=api_id)["Items"]
        c.check(f"{stage}: routes {sorted(ROUTES)}", {r["RouteKey"] for r in routes} == ROUTES, str(sorted(r["RouteKey"] for r in routes)))
        integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
        status_api_arn = functions.get("status-api", {}).get("FunctionArn")
        for route in routes:
            integration = integrations.get(route.get("Target", "").removeprefix("integrations/"), {})
            c.check(
                f"{stage}: route {route['RouteKey']} -> status-api (payload 2.0)",
                integration.get("IntegrationUri") == status_api_arn and integration.get("PayloadFormatVersion") == "2.0",
                str(integration.get("IntegrationUri")),
            )
        stages = apigw.get_stages(ApiId=api_id)["Items"]
        c.check(f"{stage}: API has an auto-deployed stage", any(s.get("AutoDeploy") for s in stages), str(stages))
        for s in stages:
            default = s.get("DefaultRouteSettings") or {}
            upload = (s.get("RouteSettings") or {}).get(UPLOAD_ROUTE) or {}
            c.check(
                f"{stage}: stage {s['StageName']} throttles {UPLOAD_ROUTE} below the default",
                0 < upload.get("ThrottlingBurstLimit", 0) < default.get("ThrottlingBurstLimit", 0)
                and 0 < upload.get("ThrottlingRateLimit", 0) < default.get("ThrottlingRateLimit", 0),
                f"{upload} vs {default}",
            )
        check_sign_in(c, stage, res, outputs, params, apigw, api_id, routes)

    check_playback(c, stage, res, outputs)
    check_push(c, stage, res, functions, iam)

    envs = [
        str(v)
        for conf in functions.values()
        for v in (conf.get("Environment") or {}).get("Variables", {}).values()
    ]
    return {"physical": physical, "types": {r["LogicalResourceId"]: r["ResourceType"] for r in res}, "env": envs}


def check_push(c: Checks, stage: str, res: list[dict[str, Any]], functions: dict[str, Any], iam: Any) -> None:
    """The Event API's wiring: job-state publishes to its HTTP domain and may publish to the
    jobs namespace only; status-api hands the page the same API's domains. (moto has no
    AppSync Events: server.py's models give the return values in AppSync's forms.)"""
    apis = of_type(res, "AWS::AppSync::Api")
    namespaces = of_type(res, "AWS::AppSync::ChannelNamespace")
    if not c.check(f"{stage}: one Event API and one channel namespace", len(apis) == 1 and len(namespaces) == 1, f"{apis} {namespaces}"):
        return
    api_arn, namespace_arn = apis[0], namespaces[0]
    api_id = api_arn.rsplit("/", 1)[-1]
    region = api_arn.split(":")[3]
    c.check(f"{stage}: the namespace is the API's jobs", namespace_arn == f"{api_arn}/channelNamespace/jobs", namespace_arn)
    http = f"{api_id}.appsync-api.{region}.amazonaws.com"
    realtime = f"{api_id}.appsync-realtime-api.{region}.amazonaws.com"

    def env(binary: str) -> dict[str, str]:
        return {k: str(v) for k, v in (functions.get(binary, {}).get("Environment") or {}).get("Variables", {}).items()}

    c.check(f"{stage}: job-state publishes to the API's HTTP domain", env("job-state").get("EVENTS_PUBLISH_URL") == f"https://{http}/event", str(env("job-state").get("EVENTS_PUBLISH_URL")))
    page = env("status-api")
    c.check(f"{stage}: the page's auth host is the API's HTTP domain", page.get("EVENTS_HTTP_DOMAIN") == http, str(page.get("EVENTS_HTTP_DOMAIN")))
    c.check(f"{stage}: the page subscribes at the API's realtime domain", page.get("EVENTS_REALTIME_URL") == f"wss://{realtime}/event/realtime", str(page.get("EVENTS_REALTIME_URL")))
    for binary, conf in sorted(functions.items()):
        role = conf["Role"].rsplit("/", 1)[-1]
        grants = []
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            document = policy_document(document)
            for statement in document["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                grants += [(a, r) for a in actions if a.startswith("appsync:") for r in resources]
        wanted = [("appsync:EventPublish", namespace_arn)] if binary == "job-state" else []
        c.check(f"{stage}: {binary} may publish {'to the jobs namespace only' if wanted else 'nothing'}", grants == wanted, str(grants))


def policy_document(document: Any) -> Any:
    """A role policy as IAM answers it: a dict (boto3 decodes the URL-encoded JSON), or text.
    moto keeps the policy a CloudFormation deploy gave it as Python's repr of the dict, not
    JSON (with the YAML-parsed `Version` as a `datetime.date(...)`), so text that is not JSON
    is read as a Python literal once the date is spelled as text."""
    if not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except json.JSONDecodeError:
        dated = re.sub(r"datetime\.date\((\d+), (\d+), (\d+)\)", r"'\1-\2-\3'", document)
        return ast.literal_eval(dated)


def check_input_bucket(c: Checks, stage: str, s3: Any, bucket: str, params: dict[str, str]) -> None:
    """The upload trigger fires under the upload prefix only; uploads expire."""
    notifications = c.attempt(
        f"{stage}: input bucket notification configuration readable",
        lambda: s3.get_bucket_notification_configuration(Bucket=bucket),
    )
    if notifications:
        configs = notifications.get("LambdaFunctionConfigurations", [])
        rules = [{r["Name"].lower(): r["Value"] for r in cfg["Filter"]["Key"]["FilterRules"]} for cfg in configs]
        c.check(
            f"{stage}: every upload trigger filters on prefix {UPLOAD_PREFIX} and a video suffix",
            bool(rules) and all(r.get("prefix") == UPLOAD_PREFIX and r.get("suffix") for r in rules),
            str(rules),
        )
    lifecycle = c.attempt(
        f"{stage}: input bucket lifecycle readable",
        lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket),
    )
    if lifecycle:
        days = [
            r.get("Expiration", {}).get("Days")
            for r in lifecycle["Rules"]
            if (r.get("Filter") or {}).get("Prefix", r.get("Prefix")) == UPLOAD_PREFIX and r["Status"] == "Enabled"
        ]
        c.check(f"{stage}: uploads expire after InputRetentionDays={params['InputRetentionDays']}", days == [int(params["InputRetentionDays"])], str(days))
        aborts = [r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") for r in lifecycle["Rules"]]
        c.check(f"{stage}: incomplete multipart uploads are aborted after 1 day", 1 in aborts, str(aborts))


def check_sign_in(
    c: Checks,
    stage: str,
    res: list[dict[str, Any]],
    outputs: dict[str, str],
    params: dict[str, str],
    apigw: Any,
    api_id: str,
    routes: list[dict[str, Any]],
) -> None:
    """The JWT authorizer guards every route; it trusts the stack's pool, or in OIDC mode the
    given issuer (and then no pool, client or domain exists)."""
    region = os.environ["AWS_DEFAULT_REGION"]
    # By id from the stack's resources: moto has GetAuthorizer but not GetAuthorizers.
    ids = of_type(res, "AWS::ApiGatewayV2::Authorizer")
    authorizers = [apigw.get_authorizer(ApiId=api_id, AuthorizerId=i) for i in ids]
    c.check(f"{stage}: one JWT authorizer", [a.get("AuthorizerType") for a in authorizers] == ["JWT"], str(authorizers))
    if not authorizers:
        return
    authorizer = authorizers[0]
    c.check(f"{stage}: authorizer reads {JWT_IDENTITY_SOURCE[0]}", authorizer.get("IdentitySource") == JWT_IDENTITY_SOURCE, str(authorizer.get("IdentitySource")))
    for route in routes:
        if route["RouteKey"] in PUBLIC_ROUTES:
            c.check(f"{stage}: route {route['RouteKey']} is public", route.get("AuthorizationType") == "NONE" and not route.get("AuthorizerId"), f"{route.get('AuthorizationType')} {route.get('AuthorizerId')}")
            continue
        c.check(
            f"{stage}: route {route['RouteKey']} requires a JWT from the authorizer",
            route.get("AuthorizationType") == "JWT" and route.get("AuthorizerId") == authorizer["AuthorizerId"],
            f"{route.get('AuthorizationType')} {route.get('AuthorizerId')}",
        )
    jwt = authorizer.get("JwtConfiguration") or {}
    cognito = [r for r in res if r["ResourceType"] in COGNITO_TYPES]
    if params["OidcIssuer"]:
        c.check(f"{stage}: OIDC mode creates no Cognito pool, client or domain", not cognito, str([r["LogicalResourceId"] for r in cognito]))
        names = [p["Name"] for p in client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]]
        c.check(f"{stage}: no user pool of this stack exists", f"vod-progress-{stage}-users" not in names, str(names))
        c.check(
            f"{stage}: authorizer trusts the given issuer and audience",
            jwt.get("Issuer") == params["OidcIssuer"] and jwt.get("Audience") == [params["OidcAudience"]],
            str(jwt),
        )
        missing = {"UserPoolId", "UserPoolClientId", "HostedUiUrl"} & outputs.keys()
        c.check(f"{stage}: OIDC mode has no pool outputs", not missing, str(sorted(missing)))
        c.check(f"{stage}: output OidcIssuerUrl is the given issuer", outputs.get("OidcIssuerUrl") == params["OidcIssuer"], str(outputs.get("OidcIssuerUrl")))
        return
    idp = client("cognito-idp")
    pools = of_type(res, "AWS::Cognito::UserPool")
    clients = of_type(res, "AWS::Cognito::UserPoolClient")
    domains = of_type(res, "AWS::Cognito::UserPoolDomain")
    if not c.check(f"{stage}: one pool, client and domain", (len(pools), len(clients), len(domains)) == (1, 1, 1), str(cognito)):
        return
    pool_id, client_id, domain = pools[0], clients[0], domains[0]
    pool = c.attempt(f"{stage}: user pool {pool_id} exists", lambda: idp.describe_user_pool(UserPoolId=pool_id))
    if pool:
        p = pool["UserPool"]
        c.check(f"{stage}: pool signs in by email", p.get("UsernameAttributes") == ["email"] and p.get("AutoVerifiedAttributes") == ["email"], str(p.get("UsernameAttributes")))
        admin_only = params["SelfSignUp"] != "true"
        c.check(
            f"{stage}: pool AllowAdminCreateUserOnly={admin_only} (SelfSignUp={params['SelfSignUp']})",
            (p.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly") is admin_only,
            str(p.get("AdminCreateUserConfig")),
        )
    described = c.attempt(f"{stage}: pool client {client_id} exists", lambda: idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id))
    if described:
        cl = described["UserPoolClient"]
        # The stage's front ends, and the page the API serves at its root.
        origins = params["AllowedOrigins"].split(",") + [outputs.get("ApiUrl", "")]
        c.check(f"{stage}: client calls back and signs out to AllowedOrigins and ApiUrl", cl.get("CallbackURLs") == origins and cl.get("LogoutURLs") == origins, f"{cl.get('CallbackURLs')} {cl.get('LogoutURLs')}")
        c.check(
            f"{stage}: client is public, code flow only, scopes openid email",
            "ClientSecret" not in cl and cl.get("AllowedOAuthFlows") == ["code"] and cl.get("AllowedOAuthScopes") == ["openid", "email"],
            str({k: cl.get(k) for k in ("AllowedOAuthFlows", "AllowedOAuthScopes")}),
        )
        c.check(f"{stage}: client hides whether a user exists", cl.get("PreventUserExistenceErrors") == "ENABLED", str(cl.get("PreventUserExistenceErrors")))
    found = c.attempt(f"{stage}: hosted-UI domain {domain} exists", lambda: idp.describe_user_pool_domain(Domain=domain))
    if found:
        c.check(f"{stage}: hosted-UI domain belongs to the pool", found["DomainDescription"].get("UserPoolId") == pool_id, str(found["DomainDescription"]))
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    c.check(f"{stage}: authorizer trusts the pool's issuer and client", jwt.get("Issuer") == issuer and jwt.get("Audience") == [client_id], str(jwt))
    c.check(
        f"{stage}: outputs UserPoolId, UserPoolClientId, HostedUiUrl, OidcIssuerUrl",
        outputs.get("UserPoolId") == pool_id
        and outputs.get("UserPoolClientId") == client_id
        and outputs.get("HostedUiUrl") == f"https://{domain}.auth.{region}.amazoncognito.com"
        and outputs.get("OidcIssuerUrl") == issuer,
        str({k: outputs.get(k) for k in ("UserPoolId", "UserPoolClientId", "HostedUiUrl", "OidcIssuerUrl")}),
    )


# synth/src/stack (alarms): 3 dead-letter queues, 3 functions x (Errors, Throttles), API 5xx, JobsFailed.
ALARM_COUNT = 11


def check_playback(c: Checks, stage: str, res: list[dict[str, Any]], outputs: dict[str, str]) -> None:
    """CloudFront serves the output bucket's hls/ prefix through the OAC, HTTPS only."""
    cloudfront = client("cloudfront")
    distributions = of_type(res, "AWS::CloudFront::Distribution")
    if not c.check(f"{stage}: one CloudFront distribution", len(distributions) == 1, str(distributions)):
        return
    dist_id = distributions[0]
    c.check(f"{stage}: output PlaybackDistributionId is the distribution", outputs.get("PlaybackDistributionId") == dist_id, str(outputs.get("PlaybackDistributionId")))
    found = c.attempt(f"{stage}: distribution {dist_id} exists", lambda: cloudfront.get_distribution(Id=dist_id))
    if not found:
        return
    dist = found["Distribution"]
    c.check(f"{stage}: output PlaybackBaseUrl is https://<distribution domain>", outputs.get("PlaybackBaseUrl") == f"https://{dist['DomainName']}", f"{outputs.get('PlaybackBaseUrl')} vs {dist['DomainName']}")
    config = dist["DistributionConfig"]
    origins = config["Origins"].get("Items") or []
    bucket = outputs.get("OutputBucketName", "")
    region = os.environ["AWS_DEFAULT_REGION"]
    c.check(
        f"{stage}: the distribution's one origin is the output bucket at {PLAYBACK_ORIGIN_PATH}",
        [(o["DomainName"], o.get("OriginPath")) for o in origins] == [(f"{bucket}.s3.{region}.amazonaws.com", PLAYBACK_ORIGIN_PATH)],
        str([(o["DomainName"], o.get("OriginPath")) for o in origins]),
    )
    behaviour = config["DefaultCacheBehavior"]
    c.check(f"{stage}: viewers use HTTPS only", behaviour["ViewerProtocolPolicy"] == "https-only", behaviour["ViewerProtocolPolicy"])
    c.check(f"{stage}: viewers may only GET and HEAD", sorted(behaviour["AllowedMethods"]["Items"]) == ["GET", "HEAD"], str(behaviour["AllowedMethods"]))
    policies = of_type(res, "AWS::CloudFront::ResponseHeadersPolicy")
    c.check(f"{stage}: the stack's response-headers policy is on the default behaviour", [behaviour.get("ResponseHeadersPolicyId")] == policies, f"{behaviour.get('ResponseHeadersPolicyId')} vs {policies}")
    controls = of_type(res, "AWS::CloudFront::OriginAccessControl")
    if c.check(f"{stage}: one origin access control", len(controls) == 1, str(controls)):
        oac = c.attempt(f"{stage}: origin access control exists", lambda: cloudfront.get_origin_access_control(Id=controls[0]))
        if oac:
            oac_config = oac["OriginAccessControl"]["OriginAccessControlConfig"]
            signing = (oac_config.get("OriginAccessControlOriginType"), oac_config.get("SigningProtocol"), oac_config.get("SigningBehavior"))
            c.check(f"{stage}: the OAC signs every S3 request with SigV4", signing == ("s3", "sigv4", "always"), str(signing))
    # The bucket policy's CloudFront grant is not read back: moto has no model for
    # AWS::S3::BucketPolicy (see local/moto/server.py); synth's tests evaluate it.


def check_alarms(c: Checks, stage: str, email: str | None) -> None:
    stack = f"vod-progress-{stage}"
    res = c.attempt(f"{stage}: list the stack's resources", lambda: resources(stack)) or []
    topics = of_type(res, "AWS::SNS::Topic")
    subscriptions = of_type(res, "AWS::SNS::Subscription")
    alarm_names = of_type(res, "AWS::CloudWatch::Alarm")
    sns, cloudwatch = client("sns"), client("cloudwatch")
    ours = [t["TopicArn"] for t in sns.list_topics()["Topics"] if f":{stack}-" in t["TopicArn"]]
    described = cloudwatch.describe_alarms(AlarmNamePrefix=f"{stack}-")["MetricAlarms"]
    if email is None:
        c.check(f"{stage}: no AlarmEmail, so no topic, subscription or alarm in the stack", not (topics or subscriptions or alarm_names), str(topics + subscriptions + alarm_names))
        c.check(f"{stage}: no AlarmEmail, so SNS and CloudWatch hold no topic or alarm of {stack}", not ours and not described, str(ours + [a["AlarmName"] for a in described]))
        return
    if not c.check(f"{stage}: AlarmEmail set: one SNS topic", len(topics) == 1 and topics == ours, f"stack {topics}, SNS {ours}"):
        return
    topic = topics[0]
    subs = c.attempt(f"{stage}: the topic's subscriptions", lambda: sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) or []
    c.check(f"{stage}: the topic mails {email}", [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", email)], str(subs))
    c.check(f"{stage}: {ALARM_COUNT} alarms in the stack and in CloudWatch", len(alarm_names) == ALARM_COUNT and sorted(alarm_names) == sorted(a["AlarmName"] for a in described), f"stack {len(alarm_names)}, CloudWatch {len(described)}")
    wrong = [a["AlarmName"] for a in described if a.get("AlarmActions") != [topic] or a.get("OKActions") != [topic] or a.get("TreatMissingData") != "notBreaching"]
    c.check(f"{stage}: every alarm notifies the topic when it fires and clears, missing data is fine", not wrong, str(wrong))
    watched = {(a["Namespace"], a["MetricName"]) for a in described}
    wanted = {("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"), ("AWS/ApiGateway", "5xx"), ("VodProgress", "JobsFailed")}
    c.check(f"{stage}: alarms watch dead letters, function errors and throttles, API 5xx, failed jobs", watched == wanted, str(sorted(watched)))


def global_names(found: dict[str, Any]) -> set[str]:
    return {
        pid
        for logical, pid in found["physical"].items()
        if pid and found["types"][logical] not in SCOPED_TYPES
    }


def main() -> int:
    global STAGE_DIR
    parser = argparse.ArgumentParser()
    parser.add_argument("stages", nargs="+")
    parser.add_argument("--stage-dir", type=Path, default=STAGE_DIR)
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--unchanged", type=Path)
    parser.add_argument("--alarm-email", action="append", default=[], metavar="STAGE=ADDRESS")
    args = parser.parse_args()
    STAGE_DIR = args.stage_dir
    emails = dict(item.split("=", 1) for item in args.alarm_email)
    for variable in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
        if not os.environ.get(variable):
            print(f"rehearse_check.py: {variable} is not set", file=sys.stderr)
            return 2

    c = Checks()
    digests = zip_digests()
    found = {stage: check_stage(c, stage, digests) for stage in args.stages}
    for stage in args.stages:
        if found[stage]:
            check_alarms(c, stage, emails.get(stage))

    stages = [s for s in args.stages if found[s]]
    for i, a in enumerate(stages):
        for b in stages[i + 1 :]:
            shared = global_names(found[a]) & global_names(found[b])
            c.check(f"{a} and {b} share no physical name", not shared, str(sorted(shared)))
            leaks = [v for v in found[a]["env"] if any(n in v for n in global_names(found[b]))]
            leaks += [v for v in found[b]["env"] if any(n in v for n in global_names(found[a]))]
            c.check(f"{a} and {b} functions name only their own stage's resources", not leaks, str(leaks))

    physical = {s: found[s].get("physical", {}) for s in args.stages}
    if args.unchanged:
        before = json.loads(args.unchanged.read_text())
        for stage in args.stages:
            c.check(f"{stage}: redeploy kept every resource (same physical ids)", before.get(stage) == physical[stage], "resources were replaced or changed")
    if args.snapshot:
        args.snapshot.write_text(json.dumps(physical, indent=1, sort_keys=True))

    print(f"rehearse_check: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
