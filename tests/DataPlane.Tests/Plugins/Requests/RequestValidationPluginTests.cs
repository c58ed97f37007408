using System.Text;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Requests;

/// <summary>request-validation as APISIX's t/plugin/request-validation*.t: headers and bodies against JSON Schemas.</summary>
public class RequestValidationPluginTests
{
    private static readonly PluginHarness Gateway = new(
        Route("body", """
            {"request-validation":{"body_schema":{"type":"object","required":["required_payload"],"properties":{"required_payload":{"type":"string"},
             "timeouts":{"type":"integer","minimum":1,"maximum":254}}}}}
            """),
        Route("custom", """{"request-validation":{"body_schema":{"type":"object","properties":{"test":{"type":"string","enum":["a","b","c"]}},"required":["test"]},"rejected_msg":"customize reject message for body_schema.required","rejected_code":505,"max_req_body_size":64}}"""),
        Route("headers", """{"request-validation":{"header_schema":{"type":"object","properties":{"test":{"type":"string","enum":["a","b","c"]}},"required":["test"]},"rejected_msg":"customize reject message for header_schema.required"}}"""));

    private static Task<PluginHarness.Outcome> Post(string path, string body, string contentType = "application/json") =>
        Gateway.RunAsync(path, r => r.ContentType = contentType, method: "POST", body: Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task A_body_is_checked_against_the_schema_and_the_reason_given()
    {
        var missing = await Post("/body", """{"boolean-payload":true}""");
        Assert.Equal(400, missing.Answered);
        Assert.Contains("required_payload", missing.Body);
        var outOfRange = await Post("/body", """{"required_payload":"x","timeouts":300}""");
        Assert.Equal(400, outOfRange.Answered);
        Assert.StartsWith("property \"timeouts\" validation failed: 300", outOfRange.Body); // where, and what is wrong
        var ok = await Post("/body", """{"required_payload":"hello"}""");
        Assert.Null(ok.Answered);
        Assert.Equal("""{"required_payload":"hello"}""", await new StreamReader(ok.Request.Body).ReadToEndAsync()); // forwarded as sent
        Assert.Null((await Post("/body", "required_payload=101-hello&a=b", "application/x-www-form-urlencoded; charset=utf-8")).Answered);
        Assert.Equal(400, (await Post("/body", "{not json")).Answered);
    }

    [Fact]
    public async Task Rejected_msg_and_code_replace_the_reason_and_a_missing_or_oversized_body_is_refused()
    {
        var wrong = await Post("/custom", """{"test":"abc"}""");
        Assert.Equal((505, "customize reject message for body_schema.required"), (wrong.Answered, wrong.Body));
        Assert.Null((await Post("/custom", """{"test":"a"}""")).Answered);
        Assert.Equal(505, (await Gateway.RunAsync("/custom")).Answered); // no body at all
        Assert.Equal(505, (await Post("/custom", $$"""{"test":"a","pad":"{{new string('x', 100)}}"}""")).Answered); // over 64 bytes
    }

    [Fact]
    public async Task Headers_are_checked_by_their_lower_case_names()
    {
        var none = await Gateway.RunAsync("/headers");
        Assert.Equal((400, "customize reject message for header_schema.required"), (none.Answered, none.Body));
        Assert.Equal(400, (await Gateway.RunAsync("/headers", r => r.Headers["Test"] = "abc")).Answered);
        Assert.Null((await Gateway.RunAsync("/headers", r => r.Headers["Test"] = "a")).Answered);
    }
}
