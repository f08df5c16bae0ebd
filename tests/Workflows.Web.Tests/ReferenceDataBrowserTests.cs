using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>The reference-data console at 1366×768 in a real browser against the real host process: upload, row errors, preview, diff, publish.</summary>
public sealed class ReferenceDataBrowserTests : BrowserAgainstHost
{
    private static FilePayload Csv(string name, string text) => new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [Fact]
    public async Task An_admin_uploads_a_hospital_list_sees_its_row_errors_fixes_it_reads_the_diff_and_publishes_it_from_tomorrow()
    {
        var api = new HttpClient { BaseAddress = Host.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(api, "admin"));
        var current = Encoding.UTF8.GetString(await api.GetByteArrayAsync("/api/admin/reference-data/lists/jd-designated-hospitals/csv")).TrimStart('\uFEFF');
        var lines = current.Split('\n').Where(l => l.Length > 0).ToList();
        var removed = lines[1].Split(',')[2];

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "admin", "/admin/reference-data");
        await page.WaitForURLAsync("**/admin/reference-data");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "参考数据（医院、城市、药品、药店清单）" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("ref-current")).ToContainTextAsync("当前生效：v1");
        await Assertions.Expect(page.GetByTestId("ref-versions")).ToContainTextAsync("生效中");

        // Choose the list (keyboard: the select opens on Enter), then a file with two bad rows.
        await page.GetByTestId("ref-list").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "京东安联 附件三 专家门诊定点医院", Exact = false }).ClickAsync();
        await page.GetByTestId("ref-file").SetInputFilesAsync(Csv("hospitals-bad.csv", lines[0] + "\n广东,广州,,\n广东,广州\n"));
        await Assertions.Expect(page.GetByTestId("ref-problem")).ToContainTextAsync("有 2 处错误，未保存", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("ref-errors")).ToContainTextAsync("第 2 行：“医院”（hospital）不能为空。");
        await Assertions.Expect(page.GetByTestId("ref-errors")).ToContainTextAsync("第 3 行：有 2 个字段，表头有 4 个");
        await Browser.ShotAsync(page, "refdata-01-row-errors");

        // Fixed: one hospital removed, one added, one note changed.
        var edited = new List<string> { lines[0] };
        edited.AddRange(lines.Skip(2).Select((l, i) => i == 0 ? l.TrimEnd(',') + ",2026 年起迁新院区" : l));
        edited.Add("广东,广州,广州测试肿瘤医院,");
        await page.GetByTestId("ref-file").SetInputFilesAsync(Csv("hospitals-v2.csv", string.Join('\n', edited) + "\n"));
        await Assertions.Expect(page.GetByTestId("ref-summary")).ToContainTextAsync("与 v1 相比：新增 1 行，删除 1 行，修改 1 行", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("ref-added")).ToContainTextAsync("广州测试肿瘤医院");
        await Browser.ShotAsync(page, "refdata-02-preview-added");
        await page.GetByRole(AriaRole.Tab, new() { Name = "删除（1）" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("ref-removed")).ToContainTextAsync(removed);
        await page.GetByRole(AriaRole.Tab, new() { Name = "修改（1）" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("ref-changed")).ToContainTextAsync("备注：");
        await Assertions.Expect(page.GetByTestId("ref-changed")).ToContainTextAsync("2026 年起迁新院区");
        await Browser.ShotAsync(page, "refdata-03-preview-changed");

        // A date in the past is refused at the field; tomorrow is published as a pending version.
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var input = page.Locator("[data-testid=ref-effective] input, input[data-testid=ref-effective]").First;
        await input.FillAsync(today.AddDays(-1).ToString("yyyy-MM-dd"));
        await page.GetByTestId("ref-publish").ClickAsync();
        await Assertions.Expect(page.GetByText("生效日期不能早于今天")).ToBeVisibleAsync();
        await input.FillAsync(today.AddDays(1).ToString("yyyy-MM-dd"));
        await input.PressAsync("Tab");
        await page.GetByTestId("ref-publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("ref-done")).ToContainTextAsync($"已发布 v2，将于 {today.AddDays(1):yyyy-MM-dd} 生效");
        await Assertions.Expect(page.GetByTestId("ref-versions")).ToContainTextAsync("待生效");
        await Assertions.Expect(page.GetByTestId("ref-current")).ToContainTextAsync("当前生效：v1");
        await Browser.ShotAsync(page, "refdata-04-published");

        var overview = await (await api.GetAsync("/api/admin/reference-data")).Body();
        Assert.Equal(2, overview.GetProperty("versions")[0].GetProperty("number").GetInt32());
        Assert.Equal("pending", overview.GetProperty("versions")[0].GetProperty("state").GetString());
    }
}
