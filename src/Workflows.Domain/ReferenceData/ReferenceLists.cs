using System.Globalization;
using System.Text;

namespace Workflows.Domain.ReferenceData;

/// <summary>How a column of a reference list is checked.</summary>
public enum ColumnRule { Text, Required, Count }

/// <summary>A column of a reference list's CSV: its header name, its name in Chinese, and its rule.</summary>
public sealed record ListColumn(string Name, string NameZh, ColumnRule Rule = ColumnRule.Text, IReadOnlyList<string>? OneOf = null);

/// <summary>
/// One of the seven attachment lists an Admin can replace (docs/reference-data.md): its code in the API, its file, the
/// columns the decisions read, and the columns that identify a row when two versions are compared.
/// </summary>
public sealed record ReferenceList(string Code, string File, string NameZh, string NameEn, IReadOnlyList<ListColumn> Columns, IReadOnlyList<string> KeyColumns)
{
    public static readonly IReadOnlyList<ReferenceList> All =
    [
        new("green-channel-hospitals", ReferenceDataLoader.GreenChannelFile, "太平洋 附件1 绿通覆盖医院", "CPIC annex 1 green-channel hospitals",
            [new("province", "省份", ColumnRule.Required), new("city", "城市", ColumnRule.Required), new("hospital", "医院", ColumnRule.Required), new("note", "备注")],
            ["hospital"]),
        new("escort-cities", ReferenceDataLoader.EscortFile, "太平洋 附件2 就医陪诊覆盖城市", "CPIC annex 2 escort cities",
            [new("province", "省份", ColumnRule.Required), new("city", "城市", ColumnRule.Required), new("note", "备注")],
            ["province", "city"]),
        new("cpic-drugs", ReferenceDataLoader.CpicDrugFile, "太平洋 附件3 特定药品清单", "CPIC annex 3 drug lists",
            [new("list_code", "清单代码", ColumnRule.Required, [ReferenceDataLoader.ShanghaiNewInnovative, ReferenceDataLoader.OtherDomesticApproved, ReferenceDataLoader.SpecialLicensedImport]),
             new("list", "清单名称", ColumnRule.Required), new("seq", "序号", ColumnRule.Count), new("brand_name", "商品名"), new("generic_name", "通用名", ColumnRule.Required),
             new("manufacturer", "生产企业"), new("indication", "适应症"), new("note", "备注")],
            ["list_code", "generic_name", "brand_name"]),
        new("cpic-pharmacies", ReferenceDataLoader.CpicPharmacyFile, "太平洋 附件3 特药药店分布", "CPIC annex 3 pharmacy cities",
            [new("province", "省份", ColumnRule.Required), new("city", "城市", ColumnRule.Required), new("pharmacy_count", "药店数量", ColumnRule.Required),
             new("example_dtp_pharmacy", "示例药店"), new("note", "备注")],
            ["province", "city", "example_dtp_pharmacy"]),
        new("jd-drugs", ReferenceDataLoader.JdDrugFile, "京东安联 附件二 特药清单", "JD annex 2 specialty-drug list",
            [new("seq", "序号", ColumnRule.Count), new("brand_name", "商品名"), new("generic_name", "通用名", ColumnRule.Required), new("manufacturer", "生产企业"),
             new("cancer_types", "适用癌种"), new("note", "备注")],
            ["generic_name", "brand_name"]),
        new("jd-pharmacy-cities", ReferenceDataLoader.JdPharmacyFile, "京东安联 附件一 药店分布区域", "JD annex 1 pharmacy cities",
            [new("province", "省份", ColumnRule.Required), new("city", "城市", ColumnRule.Required), new("note", "备注")],
            ["province", "city"]),
        new("jd-designated-hospitals", ReferenceDataLoader.JdHospitalFile, "京东安联 附件三 专家门诊定点医院", "JD annex 3 designated hospitals",
            [new("province", "省份", ColumnRule.Required), new("city", "城市", ColumnRule.Required), new("hospital", "医院", ColumnRule.Required), new("note", "备注")],
            ["hospital"]),
    ];

    /// <summary>The largest file accepted (the biggest shipped list is about 31 KB).</summary>
    public const int MaxFileBytes = 2 * 1024 * 1024;

    public static ReferenceList? Find(string? code) => All.FirstOrDefault(l => l.Code == code);

    public ListColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// Checks a file for this list, collecting every problem (in Chinese and English, with the line and column) rather
    /// than stopping at the first; returns the parsed table when it has none.
    /// </summary>
    public ListCheck Check(byte[] bytes)
    {
        if (bytes.Length > MaxFileBytes)
            return ListCheck.Failed(new ReferenceRowError(0, null, $"文件超过 {MaxFileBytes / 1024 / 1024} MB。", $"The file is larger than {MaxFileBytes / 1024 / 1024} MB."));
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException)
        {
            return ListCheck.Failed(new ReferenceRowError(0, null, "文件不是 UTF-8 编码：请在 Excel 中选择“CSV UTF-8（逗号分隔）”另存。",
                "The file is not UTF-8: save it as \"CSV UTF-8 (comma delimited)\"."));
        }
        return Check(text);
    }

    public ListCheck Check(string text)
    {
        IReadOnlyList<(int Line, string[] Fields)> records;
        try { records = ReferenceDataLoader.ParseCsv(text); }
        catch (CsvFormatException e) { return ListCheck.Failed(new ReferenceRowError(e.Line, null, $"第 {e.Line} 行：{e.MessageZh}", $"Line {e.Line}: {e.Problem}")); }
        if (records.Count == 0) return ListCheck.Failed(new ReferenceRowError(0, null, "文件为空：第一行应为表头。", "The file is empty: the first line must be the header."));

        var header = records[0].Fields.Select(h => h.Trim()).ToArray();
        var errors = new List<ReferenceRowError>();
        foreach (var column in Columns.Where(c => !header.Contains(c.Name)))
            errors.Add(new(1, column.Name, $"表头缺少列“{column.Name}”（{column.NameZh}）。", $"The header has no column '{column.Name}'."));
        foreach (var duplicate in header.GroupBy(h => h).Where(g => g.Count() > 1 && g.Key.Length > 0))
            errors.Add(new(1, duplicate.Key, $"表头中列“{duplicate.Key}”出现了 {duplicate.Count()} 次。", $"The header names column '{duplicate.Key}' {duplicate.Count()} times."));
        if (errors.Count > 0) return new ListCheck(errors, null);
        if (records.Count == 1) return ListCheck.Failed(new ReferenceRowError(0, null, "文件只有表头，没有数据行：清单不能为空。", "The file has a header but no rows: a list cannot be empty."));

        var rows = new List<string[]>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Length != header.Length)
            {
                errors.Add(new(line, null, $"第 {line} 行：有 {fields.Length} 个字段，表头有 {header.Length} 个（含逗号的内容请用英文双引号括起来）。",
                    $"Line {line}: {fields.Length} fields, but the header has {header.Length}."));
                continue;
            }
            foreach (var column in Columns)
            {
                var value = fields[Array.IndexOf(header, column.Name)].Trim();
                if (column.Rule == ColumnRule.Required && value.Length == 0)
                    errors.Add(new(line, column.Name, $"第 {line} 行：“{column.NameZh}”（{column.Name}）不能为空。", $"Line {line}: column '{column.Name}' is empty."));
                else if ((column.Rule == ColumnRule.Count || column.Name == "pharmacy_count") && value.Length > 0
                         && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    errors.Add(new(line, column.Name, $"第 {line} 行：“{column.NameZh}”（{column.Name}）应为不小于 0 的整数，现为“{value}”。",
                        $"Line {line}: column '{column.Name}' must be a whole number, not '{value}'."));
                else if (column.OneOf is { } allowed && value.Length > 0 && !allowed.Contains(value))
                    errors.Add(new(line, column.Name, $"第 {line} 行：“{column.NameZh}”（{column.Name}）“{value}”不是已知的清单，应为 {string.Join("、", allowed)} 之一。",
                        $"Line {line}: '{value}' is not a known {column.Name} (expected one of {string.Join(", ", allowed)})."));
            }
            rows.Add(fields);
        }
        return errors.Count > 0 ? new ListCheck(errors, null) : new ListCheck([], new ListTable(this, header, rows));
    }

    /// <summary>The rows' identities: the key columns, folded as names are matched (a repeated key gets "#2", "#3").</summary>
    internal IReadOnlyList<string> Keys(ListTable table)
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        return table.Rows.Select(r =>
        {
            var key = string.Join("|", KeyColumns.Select(c => table.Value(r, c)).Select(v => Names.Key(v)));
            var n = seen[key] = seen.GetValueOrDefault(key) + 1;
            return n == 1 ? key : $"{key}#{n}";
        }).ToList();
    }

    /// <summary>What publishing <paramref name="next"/> would change in <paramref name="current"/>: rows added, removed, changed (by key).</summary>
    public ListDiff Diff(ListTable current, ListTable next)
    {
        var before = Keys(current).Zip(current.Rows).ToDictionary(x => x.First, x => x.Second, StringComparer.OrdinalIgnoreCase);
        var after = Keys(next).Zip(next.Rows).ToList();
        var columns = next.Header.Where(h => h.Length > 0).Union(current.Header.Where(h => h.Length > 0)).ToList();
        var added = new List<DiffRow>();
        var changed = new List<ChangedRow>();
        foreach (var (key, row) in after)
        {
            if (!before.Remove(key, out var old)) { added.Add(new DiffRow(key, next.AsDictionary(row))); continue; }
            var changes = columns.Select(c => (Column: c, Old: current.Value(old, c), New: next.Value(row, c)))
                .Where(x => x.Old != x.New).Select(x => new ColumnChange(x.Column, Column(x.Column)?.NameZh ?? x.Column, x.Old, x.New)).ToList();
            if (changes.Count > 0) changed.Add(new ChangedRow(key, next.AsDictionary(row), changes));
        }
        var removed = before.Select(x => new DiffRow(x.Key, current.AsDictionary(x.Value))).ToList();
        return new ListDiff(added, removed, changed);
    }
}

/// <summary>A problem with an uploaded list: the line (0 = the whole file), the column when one is at fault, and the message.</summary>
public sealed record ReferenceRowError(int Line, string? Column, string MessageZh, string MessageEn);

public sealed record ListCheck(IReadOnlyList<ReferenceRowError> Errors, ListTable? Table)
{
    public static ListCheck Failed(ReferenceRowError error) => new([error], null);
}

/// <summary>A parsed list: its header and rows, values verbatim.</summary>
public sealed class ListTable(ReferenceList list, string[] header, IReadOnlyList<string[]> rows)
{
    public ReferenceList List => list;
    public string[] Header => header;
    public IReadOnlyList<string[]> Rows => rows;

    public string Value(string[] row, string column)
    {
        var at = Array.IndexOf(header, column);
        return at < 0 ? "" : row[at].Trim();
    }

    public IReadOnlyDictionary<string, string> AsDictionary(string[] row) =>
        header.Select((h, i) => (h, i)).Where(x => x.h.Length > 0).ToDictionary(x => x.h, x => row[x.i].Trim());
}

public sealed record DiffRow(string Key, IReadOnlyDictionary<string, string> Values);
public sealed record ColumnChange(string Column, string ColumnZh, string Old, string New);
public sealed record ChangedRow(string Key, IReadOnlyDictionary<string, string> Values, IReadOnlyList<ColumnChange> Changes);
public sealed record ListDiff(IReadOnlyList<DiffRow> Added, IReadOnlyList<DiffRow> Removed, IReadOnlyList<ChangedRow> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;
}

/// <summary>A malformed CSV (quotes): the line, and the problem in English (Message) and Chinese.</summary>
public sealed class CsvFormatException(int line, string message, string messageZh) : FormatException($"line {line}: {message}")
{
    public int Line => line;
    public string Problem => message;
    public string MessageZh => messageZh;
}
