namespace Workflows.Domain.ReferenceData;

/// <summary>CPIC 附件1 绿通覆盖医院列表: a hospital where the green channels (outpatient, inpatient/surgery) are served.</summary>
public sealed class GreenChannelHospital
{
    public int Id { get; set; }
    public string Province { get; set; } = "";
    public string City { get; set; } = "";
    public string Hospital { get; set; } = "";
    /// <summary><see cref="Names.Key"/> of the hospital's name, for matching what members type.</summary>
    public string NameKey { get; set; } = "";
    public string? Note { get; set; }
}

/// <summary>CPIC 附件2 就医陪诊覆盖城市列表: a city where escort (陪诊) is offered.</summary>
public sealed class EscortCity
{
    public int Id { get; set; }
    public string Province { get; set; } = "";
    public string City { get; set; } = "";
    public string CityKey { get; set; } = "";
    public string? Note { get; set; }
}

/// <summary>A drug on one of the lists: CPIC 附件3 (three lists) or JD 附件二 特药清单.</summary>
public sealed class ListedDrug
{
    public int Id { get; set; }
    /// <summary>CPIC or JD.</summary>
    public string Source { get; set; } = "";
    /// <summary>The list's code (CPIC has three; JD's is "jd").</summary>
    public string List { get; set; } = "";
    public string ListName { get; set; } = "";
    public int? Seq { get; set; }
    public string? BrandName { get; set; }
    public string GenericName { get; set; } = "";
    public string GenericKey { get; set; } = "";
    public string? Manufacturer { get; set; }
    public string? Indication { get; set; }
    public string? Note { get; set; }
}

/// <summary>A city with pharmacies that fill specialty-drug prescriptions: CPIC 附件3 药店分布 (with counts) or JD 附件一.</summary>
public sealed class PharmacyCity
{
    public int Id { get; set; }
    public string Source { get; set; } = "";
    public string Province { get; set; } = "";
    public string City { get; set; } = "";
    public string CityKey { get; set; } = "";
    public int? PharmacyCount { get; set; }
    public string? ExamplePharmacy { get; set; }
    public string? Note { get; set; }
}

/// <summary>JD 附件三 恶性肿瘤特药服务专家门诊定点医院列表.</summary>
public sealed class DesignatedHospital
{
    public int Id { get; set; }
    public string Province { get; set; } = "";
    public string City { get; set; } = "";
    public string Hospital { get; set; } = "";
    public string NameKey { get; set; } = "";
    public string? Note { get; set; }
}

/// <summary>How names are compared: whitespace removed (the PDF extraction inserts spaces), full-width forms folded, and a city's 市 suffix dropped.</summary>
public static class Names
{
    public static string Key(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "";
        var folded = name.Normalize(System.Text.NormalizationForm.FormKC);
        var sb = new System.Text.StringBuilder(folded.Length);
        foreach (var ch in folded)
            if (!char.IsWhiteSpace(ch)) sb.Append(ch);
        return sb.ToString();
    }

    public static string CityKey(string? city)
    {
        var key = Key(city);
        return key.Length > 2 && key.EndsWith('市') ? key[..^1] : key;
    }
}
