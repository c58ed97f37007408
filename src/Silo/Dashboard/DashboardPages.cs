using System.Net;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// The login and logout pages: self-contained HTML (inline style, no script, nothing fetched from elsewhere), never
/// cached, never framed.
/// </summary>
public static class DashboardPages
{
    public static Task WriteLoginAsync(HttpContext context, int status, string? message, bool isError, string? next = null) =>
        WriteAsync(context, status, "Log in", $"""
            <p>The console and the Orleans dashboard of this control plane. Log in with an Admin API key (<code>admin</code>
            or <code>viewer</code>: viewers only read); without a configured key the silo generated one into
            <code>data/admin_key</code>.</p>
            {Message(message, isError)}
            <form method="post" action="{DashboardPaths.Login}">
              {(next is null ? "" : $"<input type=\"hidden\" name=\"next\" value=\"{System.Net.WebUtility.HtmlEncode(next)}\">")}
              <label for="key">Admin API key</label>
              <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
              <button type="submit">Log in</button>
            </form>
            """);

    public static Task WriteLogoutAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status200OK, "Log out", $"""
            <p>End this browser's dashboard login on this silo.</p>
            <form method="post" action="{DashboardPaths.Logout}">
              <button type="submit">Log out</button>
            </form>
            <p><a href="{DashboardPaths.Home}">Back to the dashboard</a></p>
            """);

    private static string Message(string? message, bool isError) => message is null
        ? ""
        : $"""<p class="{(isError ? "error" : "note")}" role="{(isError ? "alert" : "status")}">{WebUtility.HtmlEncode(message)}</p>""";

    private static Task WriteAsync(HttpContext context, int status, string title, string body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        return response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · OrleansGateway dashboard</title>
            <style>
              body { font-family: system-ui, sans-serif; background: #f3f4f6; color: #111827; margin: 0; }
              main { max-width: 26rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
                     box-shadow: 0 1px 3px rgba(0,0,0,.15); }
              h1 { font-size: 1.3rem; margin-top: 0; }
              label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
              input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
              button { margin-top: 1rem; padding: .5rem 1.2rem; font: inherit; cursor: pointer; }
              .error { color: #b91c1c; font-weight: 600; }
              .note { color: #065f46; }
            </style>
            </head>
            <body>
            <main>
            <h1>OrleansGateway dashboard: {{title}}</h1>
            {{body}}
            </main>
            </body>
            </html>
            """, context.RequestAborted);
    }
}
