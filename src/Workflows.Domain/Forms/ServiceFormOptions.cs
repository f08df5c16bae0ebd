using Workflows.Domain.Catalogue;
using Workflows.Domain.ReferenceData;
using Workflows.Engine.Activities.Forms;

namespace Workflows.Domain.Forms;

/// <summary>
/// The reference lists behind a service's Hospital, City and Drug fields, as the handbooks define them:
/// CPIC green channels → 附件1 hospitals; JD green channel → 附件三 designated hospitals; MDT and pathology → their named
/// cities; escort → 附件2 cities; specialty-drug services → their pharmacy cities and drug lists (CPIC 附件3, JD 附件二).
/// A field whose service has no list is free text. Checks and search use the in-memory <see cref="ReferenceLookup"/> of
/// the reference-data version in effect (the same name matching as eligibility, and the same lists).
/// </summary>
public sealed class ServiceFormOptions(ServiceDefinition? service, ReferenceLookup lookup) : IFormOptions
{
    private enum ListKind { None, GreenChannelHospitals, JdDesignatedHospitals, NamedCities, EscortCities, CpicPharmacyCities, JdPharmacyCities, CpicDrugs, JdDrugs }

    private ListKind ListFor(FormField field) => (field.Type, service?.Code, service?.Insurer) switch
    {
        (FormFieldType.Hospital, "cpic-outpatient-green-channel" or "cpic-inpatient-surgery-green-channel", _) => ListKind.GreenChannelHospitals,
        (FormFieldType.Hospital, "jd-green-channel", _) => ListKind.JdDesignatedHospitals,
        (FormFieldType.City, _, _) when service?.RegionLimit is { Kind: "cities", Cities.Count: > 0 } => ListKind.NamedCities,
        (FormFieldType.City, "cpic-medical-escort", _) => ListKind.EscortCities,
        (FormFieldType.City, "cpic-special-drug-direct-pay", _) => ListKind.CpicPharmacyCities,
        (FormFieldType.City, "jd-reservation-purchase", _) => ListKind.JdPharmacyCities,
        (FormFieldType.Drug, _, "JD") => ListKind.JdDrugs,
        (FormFieldType.Drug, _, _) => ListKind.CpicDrugs,
        _ => ListKind.None,
    };

    public bool HasList(FormField field) => ListFor(field) != ListKind.None;

    public bool IsKnown(FormField field, string value) => ListFor(field) switch
    {
        ListKind.GreenChannelHospitals => lookup.IsGreenChannelHospital(value),
        ListKind.JdDesignatedHospitals => lookup.IsJdDesignatedHospital(value),
        ListKind.NamedCities => service!.RegionLimit!.Cities!.Any(c => Names.CityKey(c) == Names.CityKey(value)),
        ListKind.EscortCities => lookup.IsEscortCity(value),
        ListKind.CpicPharmacyCities => lookup.HasCpicPharmacy(value),
        ListKind.JdPharmacyCities => lookup.HasJdPharmacy(value),
        ListKind.CpicDrugs => lookup.FindCpicDrug(value) is not null,
        ListKind.JdDrugs => lookup.FindJdDrug(value) is not null,
        _ => true,
    };

    public Task<IReadOnlyList<FormOption>> SearchAsync(FormField field, string? query, int take, CancellationToken ct) =>
        Task.FromResult(Search(field, Names.Key(query), Math.Clamp(take, 1, 50)));

    private static bool Has(string? text, string key) => key.Length == 0 || (text is not null && Names.Key(text).Contains(key, StringComparison.OrdinalIgnoreCase));

    private IReadOnlyList<FormOption> Search(FormField field, string key, int take)
    {
        switch (ListFor(field))
        {
            case ListKind.GreenChannelHospitals:
                return lookup.GreenChannelHospitals.Where(h => Has(h.Hospital, key) || Has(h.City, key)).Take(take)
                    .Select(h => new FormOption(h.Hospital, h.Hospital, h.Hospital, $"{h.Province} {h.City}")).ToList();
            case ListKind.JdDesignatedHospitals:
                return lookup.DesignatedHospitals.Where(h => Has(h.Hospital, key) || Has(h.City, key)).Take(take)
                    .Select(h => new FormOption(h.Hospital, h.Hospital, h.Hospital, $"{h.Province} {h.City}")).ToList();
            case ListKind.NamedCities:
                return service!.RegionLimit!.Cities!.Where(c => key == "" || c.Contains(key, StringComparison.OrdinalIgnoreCase))
                    .Take(take).Select(c => new FormOption(c, c, c)).ToList();
            case ListKind.EscortCities:
                return lookup.EscortCities.Where(c => Has(c.City, key) || Has(c.Province, key)).Take(take)
                    .Select(c => new FormOption(c.City, c.City, c.City, c.Province)).ToList();
            case ListKind.CpicPharmacyCities or ListKind.JdPharmacyCities:
                var cities = ListFor(field) == ListKind.CpicPharmacyCities ? lookup.CpicPharmacyCities : lookup.JdPharmacyCities;
                return cities.Where(c => Has(c.City, key) || Has(c.Province, key)).DistinctBy(c => Names.CityKey(c.City)).Take(take)
                    .Select(c => new FormOption(c.City, c.City, c.City, c.Province)).ToList();
            case ListKind.CpicDrugs or ListKind.JdDrugs:
                var drugs = ListFor(field) == ListKind.CpicDrugs ? lookup.CpicDrugs : lookup.JdDrugs;
                return drugs.Where(d => Has(d.GenericName, key) || Has(d.BrandName, key)).Take(take)
                    .Select(d => new FormOption(d.GenericName, d.BrandName is { Length: > 0 } b ? $"{d.GenericName}（{b}）" : d.GenericName, d.GenericName, d.ListName)).ToList();
            default:
                return [];
        }
    }
}
