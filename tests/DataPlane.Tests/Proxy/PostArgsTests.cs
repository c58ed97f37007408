using System.Text;
using Microsoft.AspNetCore.Http;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Tests.Proxy;

public class PostArgsTests
{
    private static async Task<(HttpRequestView View, string BodyAfter)> Read(string contentType, string body, long maxBytes = 1024)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        await PostArgs.LoadAsync(context, maxBytes);
        var after = await new StreamReader(context.Request.Body).ReadToEndAsync(); // what the upstream gets
        return (new HttpRequestView(context), after);
    }

    [Fact]
    public async Task A_json_body_answers_dotted_paths_and_is_forwarded_whole()
    {
        const string body = """{"user":{"tier":"gold","age":42,"admin":false},"tags":["a","b"]}""";
        var (view, after) = await Read("application/json; charset=utf-8", body);
        Assert.Equal(body, after);
        Assert.Equal("gold", view.BodyValue("user.tier"));
        Assert.Equal("42", view.BodyValue("user.age"));
        Assert.Equal("false", view.BodyValue("user.admin"));
        Assert.Equal("a,b", view.BodyValue("tags"));
        Assert.Null(view.BodyValue("user.missing"));
        Assert.Null(view.PostArg("user")); // post_arg_* reads form bodies only, as APISIX
    }

    [Fact]
    public async Task A_form_body_answers_both_forms_of_the_variable()
    {
        var (view, after) = await Read("application/x-www-form-urlencoded", "name=jack&tier=gold");
        Assert.Equal("name=jack&tier=gold", after);
        Assert.Equal("jack", view.PostArg("name"));
        Assert.Equal("gold", view.BodyValue("tier"));
    }

    [Theory]
    [InlineData("application/json", "{not json", 1024)]
    [InlineData("text/plain", "name=jack", 1024)]
    [InlineData("application/x-www-form-urlencoded", "name=jack", 4)] // over the limit
    public async Task An_unparsable_unsupported_or_too_large_body_leaves_them_unset_and_is_forwarded_whole(string type, string body, long max)
    {
        var (view, after) = await Read(type, body, max);
        Assert.Equal(body, after);
        Assert.Null(view.PostArg("name"));
        Assert.Null(view.BodyValue("name"));
    }
}
