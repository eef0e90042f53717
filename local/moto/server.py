"""moto's server with models for the stack's resource types, on a free loopback port: what
the deploy rehearsal (scripts/rehearse.sh) runs, and what the local stack's deploy.py imports.

moto 5.2.5's CloudFormation skips resource types it has no model for, and a later Ref or
GetAtt on a skipped resource fails the whole stack ("Fn::GetAtt references undefined
resource"). The stack uses several such families, so this launcher registers models for them
before the server starts; the template itself is deployed unchanged:

* AWS::ApiGatewayV2::Api, ::Integration, ::Route, ::Stage, ::Authorizer: created through
  moto's own apigatewayv2 backend, so the rehearsal can read the API, its routes (with their
  authorization type and authorizer), its stage (with the per-route throttle) and the JWT
  authorizer (issuer, audience, identity source) back through the AWS API.
* AWS::Cognito::UserPool, ::UserPoolClient, ::UserPoolDomain: created through moto's own
  cognito-idp backend, so the rehearsal reads the pool, its client (callback URLs, flows,
  no secret) and the hosted-UI domain back through the AWS API.
* AWS::SNS::Subscription and AWS::CloudWatch::Alarm (the opt-in alarms): created and
  deleted through moto's own sns and cloudwatch backends, so the rehearsal reads the
  subscription and the alarms back through the AWS API. moto does not evaluate alarms or
  deliver e-mail: whether an alarm fires, and the confirmation mail, are not rehearsed.
* AWS::CloudFront::OriginAccessControl and ::Distribution: created (and deleted) through
  moto's own cloudfront backend, the distribution's configuration translated to the API's
  shape, so the rehearsal reads the OAC (s3, sigv4, always) and the distribution (its one
  origin, the output bucket at /hls; HTTPS only; the response-headers policy) back through
  the AWS API. moto's distribution keeps no OriginAccessControlId on its origin, so which OAC
  signs is checked by synth's tests only.
* AWS::S3::BucketPolicy is left unmodelled on purpose (moto skips it): moto's S3 enforces a
  bucket policy's principal-`*` statements without their conditions, so the policy's
  "deny unless aws:SecureTransport" would deny every request to the buckets on this plain
  HTTP loopback. The policies (TLS only, log delivery, CloudFront reading `hls/*` only, so
  never a key file) are evaluated by synth's tests instead, and by S3 on a real deploy.
* AWS::CloudFront::ResponseHeadersPolicy: moto's cloudfront backend has none; the model
  records the resource (Id) so the distribution's reference resolves.
* AWS::AppSync::Api and ::ChannelNamespace (the Event API that pushes progress): moto's
  appsync backend knows GraphQL APIs only. The models record the resources and the return
  values the stack wires (ApiId, ApiArn, Dns.Http, Dns.Realtime; ChannelNamespaceArn, in
  AppSync's documented forms), so the rehearsal checks job-state's publish URL and grant and
  status-api's endpoints against them; the local stack serves both endpoints with its
  appsync-local stand-in. Auth modes and the onSubscribe handler are checked by synth's
  tests and cfn-lint, and enforced (the owner rule) by the stand-in.
* AWS::MediaConvert::JobTemplate: moto has no MediaConvert at all. The model only records
  the resource (Name, Arn) so references resolve; nothing checks its settings here (the
  stack's structural tests and cfn-lint do).

moto's CloudFormation honours Conditions (a resource or output whose condition is false is
left out, Fn::If takes its branch): the rehearsal deploys one stage in OIDC mode and checks
that no pool, client or domain exists and that the authorizer trusts the given issuer.

moto's CloudFormation creates AWS::S3::Bucket without its LifecycleConfiguration and
NotificationConfiguration; both are applied here to the bucket moto created, translated to
the S3 API's shape, so the rehearsal reads the upload expiry and the trigger's prefix and
suffix filters back through the S3 API.

What moto cannot model at all, and how it is covered instead: it does not verify JWTs at an
HTTP API (no API Gateway data plane), so the authorizer's behaviour on real tokens is tested
by the handlers' JWT-authorizer emulation; it does not enforce route throttles, bucket
lifecycles or a pool's sign-up and password rules (read back here, enforced only by AWS);
it ignores the template's Rules (a half OIDC configuration deploys here), which synth's
tests evaluate instead; the template's own structure is checked by synth's tests, cfn-lint
and checkov.

Two behaviours of moto's change sets (the path `aws cloudformation deploy` takes) differ from
CloudFormation and are corrected here, since the rehearsal tests exactly that path:

* An unchanged redeploy: moto rejects CreateChangeSet with "No updates are to be performed."
  before its own backend can answer as CloudFormation does (a FAILED change set "didn't
  contain changes", which `deploy --no-fail-on-empty-changeset` accepts).
* Executing a change set never computes the stack's Outputs.
* A template uploaded to S3 (deploy --s3-bucket) is fetched by parsing the bucket from the
  TemplateURL's host unless that host says "localhost"; ours is 127.0.0.1, path-style.
* `deploy` sends every parameter a stage file leaves out with UsePreviousValue; moto resolves
  those to the stack's values but then compares against the parameters given at creation
  only, so an unchanged redeploy looked changed. Parameters are compared here with the
  template's defaults filled in on both sides, as values CloudFormation would resolve.

moto's CloudFormation also drops two AWS::Lambda::Function properties the rehearsal checks
(Architectures, DeadLetterConfig); they are kept and shown by GetFunctionConfiguration as
Lambda does.

Run alone (`python local/moto/server.py`), it prints the port on the first line of stdout, then
serves until stdin closes or a signal.
"""

import signal
import sys
import threading
import uuid
from typing import Any

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import LambdaFunction
from moto.cognitoidp.models import cognitoidp_backends
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudfront.models import cloudfront_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.models import FakeBucket
from moto.server import ThreadedMotoServer
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from patches import patch_list_parts_root


def _patch_change_sets() -> None:
    creating = threading.local()
    validate = CloudFormationResponse._validate_different_update
    create = CloudFormationResponse.create_change_set
    execute = CloudFormationBackend.execute_change_set

    def validate_unless_change_set(self: Any, *args: Any) -> None:
        if not getattr(creating, "active", False):
            validate(self, *args)

    def create_change_set(self: Any) -> Any:
        creating.active = True
        try:
            return create(self)
        finally:
            creating.active = False

    def execute_change_set(self: Any, change_set_name: str, stack_name: Any = None) -> None:
        execute(self, change_set_name, stack_name)
        for stack in self.stacks.values():
            if stack_name in (stack.name, stack.stack_id) or any(
                cs.stack is stack and change_set_name in (cs.change_set_id, cs.change_set_name)
                for cs in self.change_sets.values()
            ):
                stack._parse_template()
                stack.output_map = stack._create_output_map()

    fetch = CloudFormationResponse._get_stack_from_s3_url

    def fetch_path_style(self: Any, template_url: str) -> str:
        return fetch(self, template_url.replace("://127.0.0.1:", "://localhost:", 1))

    def has_parameters(self: Any, other: dict[str, Any]) -> bool:
        declared = self.template_dict.get("Parameters") or {}
        defaults = {k: v["Default"] for k, v in declared.items() if "Default" in v}

        def text(v: Any) -> str:
            return ",".join(map(str, v)) if isinstance(v, list) else str(v)

        def resolved(given: dict[str, Any]) -> dict[str, str]:
            return {k: text(v) for k, v in {**defaults, **given}.items()}

        return resolved(self.parameters) == resolved(other)

    Stack.has_parameters = has_parameters  # type: ignore[method-assign]
    CloudFormationResponse._get_stack_from_s3_url = fetch_path_style
    CloudFormationResponse._validate_different_update = validate_unless_change_set
    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set


def _apigw(account_id: str, region_name: str) -> Any:
    return apigatewayv2_backends[account_id][region_name]


class _Model:
    """Shared plumbing: a physical id and attributes; creation is immediate, an update
    re-creates. Each model only says how to create itself (`create`). (Not itself a
    CloudFormationModel: moto registers only the direct subclasses of that class.)"""

    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, physical_id: str, **attributes: Any):
        self.physical_id = physical_id
        self.attributes = attributes

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "_Model":
        raise NotImplementedError

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.ATTRIBUTES:
            return self.attributes[attribute_name]
        raise NotImplementedError(attribute_name)

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "_Model":
        props = cloudformation_json.get("Properties", {})
        return cls.create(resource_name, props, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        pass


class HttpApi(_Model, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearse"  # moto files models by the package after "moto."
    ATTRIBUTES = ("ApiEndpoint", "ApiId")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        api = _apigw(account_id, region_name).create_api(
            api_key_selection_expression=p.get("ApiKeySelectionExpression"),
            cors_configuration=p.get("CorsConfiguration"),
            description=p.get("Description"),
            disable_schema_validation=p.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
            name=p.get("Name", name),
            protocol_type=p.get("ProtocolType"),
            route_selection_expression=p.get("RouteSelectionExpression"),
            tags=p.get("Tags") or {},
            version=p.get("Version"),
        )
        return cls(api.api_id, ApiEndpoint=api.api_endpoint, ApiId=api.api_id)


class HttpApiIntegration(_Model, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearse"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        integration = _apigw(account_id, region_name).create_integration(
            api_id=p["ApiId"],
            connection_id=p.get("ConnectionId"),
            connection_type=p.get("ConnectionType"),
            content_handling_strategy=p.get("ContentHandlingStrategy"),
            credentials_arn=p.get("CredentialsArn"),
            description=p.get("Description"),
            integration_method=p.get("IntegrationMethod"),
            integration_subtype=p.get("IntegrationSubtype"),
            integration_type=p.get("IntegrationType"),
            integration_uri=p.get("IntegrationUri"),
            passthrough_behavior=p.get("PassthroughBehavior"),
            payload_format_version=p.get("PayloadFormatVersion"),
            request_parameters=p.get("RequestParameters"),
            request_templates=p.get("RequestTemplates"),
            response_parameters=p.get("ResponseParameters"),
            template_selection_expression=p.get("TemplateSelectionExpression"),
            timeout_in_millis=p.get("TimeoutInMillis"),
            tls_config=p.get("TlsConfig"),
        )
        return cls(integration.id)


class HttpApiRoute(_Model, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearse"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        route = _apigw(account_id, region_name).create_route(
            api_id=p["ApiId"],
            api_key_required=p.get("ApiKeyRequired", False),
            authorization_scopes=p.get("AuthorizationScopes"),
            authorization_type=p.get("AuthorizationType"),
            authorizer_id=p.get("AuthorizerId"),
            model_selection_expression=p.get("ModelSelectionExpression"),
            operation_name=p.get("OperationName"),
            request_models=p.get("RequestModels"),
            request_parameters=p.get("RequestParameters"),
            route_key=p["RouteKey"],
            route_response_selection_expression=p.get("RouteResponseSelectionExpression"),
            target=p.get("Target"),
        )
        return cls(route.route_id)


class HttpApiStage(_Model, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearse"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        p = dict(p)
        api_id = p.pop("ApiId")
        # moto's backend takes the CreateStage request body (camelCase); route settings are
        # keyed by route key, which keeps its case.
        config = {_camel(k): v for k, v in p.items()}
        for key in ("defaultRouteSettings", "accessLogSettings"):
            if isinstance(config.get(key), dict):
                config[key] = _camel_keys(config[key])
        if isinstance(config.get("routeSettings"), dict):
            config["routeSettings"] = {
                route: _camel_keys(settings) for route, settings in config["routeSettings"].items()
            }
        return cls(_apigw(account_id, region_name).create_stage(api_id, config).name)


class HttpApiAuthorizer(_Model, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearse"
    ATTRIBUTES = ("AuthorizerId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Authorizer"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        jwt = p.get("JwtConfiguration")
        authorizer = _apigw(account_id, region_name).create_authorizer(
            api_id=p["ApiId"],
            auth_creds_arn=p.get("AuthorizerCredentialsArn"),
            auth_payload_format_version=p.get("AuthorizerPayloadFormatVersion"),
            auth_result_ttl=p.get("AuthorizerResultTtlInSeconds"),
            authorizer_uri=p.get("AuthorizerUri"),
            authorizer_type=p.get("AuthorizerType"),
            enable_simple_response=p.get("EnableSimpleResponses"),
            identity_source=p.get("IdentitySource"),
            identity_validation_expr=p.get("IdentityValidationExpression"),
            jwt_config=_camel_keys(jwt) if jwt else None,
            name=p.get("Name", name),
        )
        return cls(authorizer.id, AuthorizerId=authorizer.id)


def _camel(key: str) -> str:
    return key[0].lower() + key[1:]


def _camel_keys(d: dict[str, Any]) -> dict[str, Any]:
    return {_camel(k): v for k, v in d.items()}


def _idp(account_id: str, region_name: str) -> Any:
    return cognitoidp_backends[account_id][region_name]


class CognitoUserPool(_Model, CloudFormationModel):
    __module__ = "moto.cognitoidp.rehearse"
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        config = dict(p)
        pool_name = config.pop("UserPoolName", name)
        # CloudFormation-only properties; the CreateUserPool call has no such fields.
        config.pop("UserPoolTags", None)
        pool = _idp(account_id, region_name).create_user_pool(pool_name, config)
        provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
        return cls(pool.id, Arn=pool.arn, ProviderName=provider, ProviderURL=f"https://{provider}", UserPoolId=pool.id)


class CognitoUserPoolClient(_Model, CloudFormationModel):
    __module__ = "moto.cognitoidp.rehearse"
    ATTRIBUTES = ("ClientId", "Name")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        config = dict(p)
        pool_id = config.pop("UserPoolId")
        generate_secret = bool(config.pop("GenerateSecret", False))
        client = _idp(account_id, region_name).create_user_pool_client(pool_id, generate_secret, config)
        return cls(client.id, ClientId=client.id, Name=config.get("ClientName", name))


class CognitoUserPoolDomain(_Model, CloudFormationModel):
    __module__ = "moto.cognitoidp.rehearse"
    ATTRIBUTES = ("CloudFrontDistribution",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolDomain"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        domain = _idp(account_id, region_name).create_user_pool_domain(
            p["UserPoolId"], p["Domain"], p.get("CustomDomainConfig")
        )
        # Ref of a user pool domain is the domain (prefix) itself.
        return cls(domain.domain, CloudFrontDistribution=domain.to_json()["CloudFrontDistribution"])


class MediaConvertJobTemplate(_Model, CloudFormationModel):
    __module__ = "moto.mediaconvert.rehearse"
    ATTRIBUTES = ("Arn", "Name")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::MediaConvert::JobTemplate"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        name = p.get("Name", name)
        arn = f"arn:aws:mediaconvert:{region_name}:{account_id}:jobTemplates/{name}"
        return cls(name, Arn=arn, Name=name)


class AppSyncEventApi(_Model, CloudFormationModel):
    __module__ = "moto.appsync.rehearse"
    ATTRIBUTES = ("ApiId", "ApiArn", "Dns.Http", "Dns.Realtime")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppSync::Api"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        api_id = uuid.uuid4().hex[:26]
        arn = f"arn:{get_partition(region_name)}:appsync:{region_name}:{account_id}:apis/{api_id}"
        return cls(
            arn,
            ApiId=api_id,
            ApiArn=arn,
            **{
                "Dns.Http": f"{api_id}.appsync-api.{region_name}.amazonaws.com",
                "Dns.Realtime": f"{api_id}.appsync-realtime-api.{region_name}.amazonaws.com",
            },
        )


class AppSyncChannelNamespace(_Model, CloudFormationModel):
    __module__ = "moto.appsync.rehearse"
    ATTRIBUTES = ("ChannelNamespaceArn",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppSync::ChannelNamespace"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        arn = (
            f"arn:{get_partition(region_name)}:appsync:{region_name}:{account_id}:"
            f"apis/{p['ApiId']}/channelNamespace/{p['Name']}"
        )
        return cls(arn, ChannelNamespaceArn=arn)


class SnsSubscription(_Model, CloudFormationModel):
    __module__ = "moto.sns.rehearse"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        subscription = sns_backends[account_id][region_name].subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.physical_id)


class CloudWatchAlarm(_Model, CloudFormationModel):
    __module__ = "moto.cloudwatch.rehearse"
    ATTRIBUTES = ("Arn",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=p.get("AlarmName", name),
            namespace=p["Namespace"],
            metric_name=p["MetricName"],
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p["Period"]),
            threshold=float(p["Threshold"]),
            statistic=p["Statistic"],
            description=p.get("AlarmDescription", ""),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(alarm.name, Arn=alarm.alarm_arn)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


def _cloudfront(account_id: str, region_name: str) -> Any:
    return cloudfront_backends[account_id][get_partition(region_name)]


def _items(values: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": values}


class CloudFrontOriginAccessControl(_Model, CloudFormationModel):
    __module__ = "moto.cloudfront.rehearse"
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::OriginAccessControl"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        control = _cloudfront(account_id, region_name).create_origin_access_control(
            dict(p["OriginAccessControlConfig"])
        )
        return cls(control.id, Id=control.id)

    def delete(self, account_id: str, region_name: str) -> None:
        _cloudfront(account_id, region_name).origin_access_controls.pop(self.physical_id, None)


class CloudFrontResponseHeadersPolicy(_Model, CloudFormationModel):
    __module__ = "moto.cloudfront.rehearse"
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::ResponseHeadersPolicy"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        policy_id = str(uuid.uuid4())
        return cls(policy_id, Id=policy_id)


class CloudFrontDistribution(_Model, CloudFormationModel):
    __module__ = "moto.cloudfront.rehearse"
    ATTRIBUTES = ("DomainName", "Id")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::Distribution"

    @classmethod
    def create(cls, name: str, p: dict[str, Any], account_id: str, region_name: str) -> _Model:
        cfn = p["DistributionConfig"]
        behaviour = dict(cfn["DefaultCacheBehavior"])
        behaviour["AllowedMethods"] = {
            **_items(behaviour.pop("AllowedMethods", ["GET", "HEAD"])),
            "CachedMethods": _items(behaviour.pop("CachedMethods", ["GET", "HEAD"])),
        }
        config = {
            "CallerReference": f"{name}-{uuid.uuid4()}",
            "Comment": cfn.get("Comment", ""),
            "Enabled": cfn["Enabled"],
            "Origins": _items([dict(o) for o in cfn["Origins"]]),
            "DefaultCacheBehavior": behaviour,
            "PriceClass": cfn.get("PriceClass"),
            "HttpVersion": cfn.get("HttpVersion"),
            "IsIPV6Enabled": cfn.get("IPV6Enabled", True),
            "ViewerCertificate": cfn.get("ViewerCertificate", {}),
        }
        distribution, _, _ = _cloudfront(account_id, region_name).create_distribution(config, [])
        return cls(distribution.distribution_id, DomainName=distribution.domain_name, Id=distribution.distribution_id)

    def delete(self, account_id: str, region_name: str) -> None:
        _cloudfront(account_id, region_name).distributions.pop(self.physical_id, None)


def _patch_lambda_functions() -> None:
    create = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    configuration = LambdaFunction.get_configuration

    def create_keeping_properties(cls: Any, *args: Any, **kwargs: Any) -> Any:
        function = create(cls, *args, **kwargs)
        properties = args[1].get("Properties", {})
        if "Architectures" in properties:
            function.architectures = properties["Architectures"]
        function.dead_letter_config = properties.get("DeadLetterConfig")
        return function

    def configuration_with_dlq(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = configuration(self, *args, **kwargs)
        if getattr(self, "dead_letter_config", None):
            config["DeadLetterConfig"] = self.dead_letter_config
        return config

    LambdaFunction.create_from_cloudformation_json = classmethod(create_keeping_properties)  # type: ignore[assignment]
    LambdaFunction.get_configuration = configuration_with_dlq  # type: ignore[method-assign]


def _lifecycle_rules(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    """CloudFormation's lifecycle rules in PutBucketLifecycleConfiguration's shape."""
    rules = []
    for r in cfn.get("Rules", []):
        rule: dict[str, Any] = {"ID": r.get("Id"), "Status": r["Status"], "Filter": {"Prefix": r.get("Prefix", "")}}
        if "ExpirationInDays" in r:
            rule["Expiration"] = {"Days": int(r["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = r["AbortIncompleteMultipartUpload"]
        if "NoncurrentVersionExpiration" in r:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": r["NoncurrentVersionExpiration"]["NoncurrentDays"]}
        rules.append(rule)
    return rules


def _notifications(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's Lambda notifications in the shape moto parses from the S3 API's XML."""
    return {
        "CloudFunctionConfiguration": [
            {
                "CloudFunction": c["Function"],
                "Event": [c["Event"]],
                "Filter": {"S3Key": {"FilterRule": c["Filter"]["S3Key"]["Rules"]}},
            }
            for c in cfn.get("LambdaConfigurations", [])
        ]
    }


def _patch_buckets() -> None:
    create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_with_lifecycle_and_notifications(cls: Any, *args: Any, **kwargs: Any) -> Any:
        bucket = create(cls, *args, **kwargs)
        properties = args[1].get("Properties", {})
        if "LifecycleConfiguration" in properties:
            bucket.set_lifecycle(_lifecycle_rules(properties["LifecycleConfiguration"]))
        if "NotificationConfiguration" in properties:
            bucket.set_notification_configuration(_notifications(properties["NotificationConfiguration"]))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_with_lifecycle_and_notifications)  # type: ignore[assignment]


def main() -> None:
    server = start_server()
    print(server.get_host_and_port()[1], flush=True)
    serve_until_stopped(server)


def start_server() -> ThreadedMotoServer:
    """moto with every model and patch of this module, on a free loopback port."""
    _patch_change_sets()
    patch_list_parts_root()
    _patch_lambda_functions()
    _patch_buckets()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


def serve_until_stopped(server: ThreadedMotoServer) -> None:
    """Runs until SIGTERM, SIGINT or the end of stdin, then stops `server`."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # Whoever started us going away (its end of stdin closes) also ends the server.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
