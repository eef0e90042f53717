"""moto for the local stack (`cargo run -p local`): the rehearsal's server (server.py beside this
file, with every model and patch it registers) with the synthesized template deployed into it.

The template is deployed as CloudFormation would deploy it, so every physical name, ARN and
resolved property comes from moto's own CloudFormation, not from a second list here. Only the
functions' `Code` is replaced: Lambda's code is the handler binaries the local stack runs
itself under its Runtime API; moto only needs the functions to exist.

Usage: deploy.py TEMPLATE STACK_NAME [--parameter KEY=VALUE]... [--user EMAIL:PASSWORD]...

Prints one JSON line on stdout once the stack is created: the port, the stack's id and every
resource the stack created with its type, physical id and properties resolved by moto's
CloudFormation (Ref, GetAtt, Sub, Join, If, ...). Then serves until stdin closes or a signal.
A failure prints its cause on stderr and exits non-zero.
"""

import argparse
import json
import os
import re
import sys
import time
from typing import Any

import boto3
import yaml
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.parsing import clean_json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server as moto_server  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _cfn_loader() -> type:
    """A YAML loader that keeps CloudFormation's short tags (`!Ref x`) as their long form."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Any, suffix: str, node: Any) -> Any:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    Loader.add_multi_constructor("!", construct)
    # CloudFormation reads dates such as 2010-09-09 as strings.
    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in Loader.yaml_implicit_resolvers.items()
    }
    return Loader


def _check_parameters(template: dict[str, Any], parameters: dict[str, str]) -> None:
    """The parameter constraints CloudFormation enforces and moto does not."""
    declared = template.get("Parameters") or {}
    for key, value in parameters.items():
        spec = declared.get(key)
        if spec is None:
            raise RuntimeError(f"--parameter {key}: the template has no such parameter")
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [str(a) for a in allowed]:
            raise RuntimeError(f"--parameter {key}={value}: not one of {', '.join(map(str, allowed))}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and spec.get("Type") == "String" and not re.fullmatch(pattern, value):
            raise RuntimeError(f"--parameter {key}={value}: {spec.get('ConstraintDescription', pattern)}")
        if spec.get("Type") == "Number":
            try:
                number = float(value)
            except ValueError:
                raise RuntimeError(f"--parameter {key}={value}: not a number") from None
            low, high = spec.get("MinValue"), spec.get("MaxValue")
            if (low is not None and number < float(low)) or (high is not None and number > float(high)):
                raise RuntimeError(f"--parameter {key}={value}: outside {low}..{high}")


def _deploy(endpoint: str, template_path: str, stack_name: str, parameters: dict[str, str]) -> dict[str, Any]:
    """Creates the stack; answers each function's `Code` as the template gives it."""
    with open(template_path, encoding="utf-8") as f:
        template = yaml.load(f, Loader=_cfn_loader())  # noqa: S506 (a SafeLoader subclass)
    _check_parameters(template, parameters)
    code = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Lambda::Function":
            code[logical_id] = resource["Properties"].get("Code")
            resource["Properties"]["Code"] = {"ZipFile": "# run by the local stack's Runtime API"}
    client = boto3.client("cloudformation", endpoint_url=endpoint, region_name=REGION)
    client.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template, default=str),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + 60
    while True:
        stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            return code
        if not status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
            reason = stack.get("StackStatusReason", "")
            raise RuntimeError(f"the stack {stack_name} ended {status} {reason}".strip())
        time.sleep(0.1)


def _describe(stack_name: str, code: dict[str, Any]) -> dict[str, Any]:
    backend = cloudformation_backends[ACCOUNT][REGION]
    stack = next(s for s in backend.stacks.values() if s.name == stack_name)
    resource_map = stack.resource_map
    declared = stack.template_dict.get("Resources", {})
    resources = {}
    for logical_id, parsed in resource_map._parsed_resources.items():
        if logical_id not in declared:
            continue  # parameters and pseudo parameters share the map
        physical = getattr(parsed, "physical_resource_id", None)
        attributes = getattr(parsed, "attributes", None)
        resources[logical_id] = {
            "Type": declared[logical_id]["Type"],
            "PhysicalId": physical,
            "Properties": clean_json(declared[logical_id].get("Properties", {}), resource_map),
            # GetAtt values of server.py's models (an API's endpoint, a distribution's
            # domain), which no property holds.
            "Attributes": attributes if isinstance(attributes, dict) else {},
        }
        if logical_id in code:
            resources[logical_id]["Code"] = code[logical_id]
    return {
        "stack_id": stack.stack_id,
        "resources": resources,
    }


def _create_users(endpoint: str, description: dict[str, Any], users: list[str]) -> None:
    pools = [r["PhysicalId"] for r in description["resources"].values() if r["Type"] == "AWS::Cognito::UserPool"]
    if users and not pools:
        raise RuntimeError("--user needs the stack's own Cognito user pool (the template created none)")
    idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=REGION)
    for user in users:
        email, sep, password = user.partition(":")
        if not sep or not email or not password:
            raise RuntimeError(f"--user {email or user!r}: expected EMAIL:PASSWORD")
        try:
            idp.admin_create_user(
                UserPoolId=pools[0],
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
            idp.admin_set_user_password(UserPoolId=pools[0], Username=email, Password=password, Permanent=True)
        except idp.exceptions.ClientError as e:
            raise RuntimeError(f"--user {email}: {e.response['Error'].get('Message', e)}") from None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("stack_name")
    parser.add_argument("--parameter", action="append", default=[])
    parser.add_argument("--user", action="append", default=[])
    args = parser.parse_args()
    parameters = dict(p.split("=", 1) for p in args.parameter)

    server = moto_server.start_server()
    port = server.get_host_and_port()[1]
    endpoint = f"http://127.0.0.1:{port}"
    try:
        code = _deploy(endpoint, args.template, args.stack_name, parameters)
        description = _describe(args.stack_name, code)
        _create_users(endpoint, description, args.user)
    except Exception as e:  # noqa: BLE001 (every failure is reported the same way)
        print(f"deploy.py: {e}", file=sys.stderr, flush=True)
        server.stop()
        sys.exit(1)
    print(json.dumps({"port": port, **description}, default=str), flush=True)
    moto_server.serve_until_stopped(server)


if __name__ == "__main__":
    main()
