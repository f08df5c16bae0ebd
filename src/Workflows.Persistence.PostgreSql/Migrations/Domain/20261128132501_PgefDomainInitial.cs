using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Workflows.Persistence.PostgreSql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Workflows.Persistence.PostgreSql.Migrations.Domain
{
    /// <inheritdoc />
    public partial class PgefDomainInitial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "applicationevents",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    at = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    messagezh = table.Column<string>(type: "text", nullable: false),
                    messageen = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_applicationevents", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "carerecords",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    occurredon = table.Column<DateOnly>(type: "date", nullable: false),
                    titleprotected = table.Column<string>(type: "text", nullable: false),
                    recordedby = table.Column<string>(type: "text", nullable: false),
                    recordedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_carerecords", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "cocalerts",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    grade = table.Column<int>(type: "integer", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false),
                    detailprotected = table.Column<string>(type: "text", nullable: false),
                    handling = table.Column<string>(type: "text", nullable: false),
                    raisedby = table.Column<string>(type: "text", nullable: false),
                    raisedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_cocalerts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "coccasemanagerassignments",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    casemanager = table.Column<string>(type: "text", nullable: false),
                    casemanagername = table.Column<string>(type: "text", nullable: false),
                    assignedby = table.Column<string>(type: "text", nullable: false),
                    assignedat = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_coccasemanagerassignments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "medicationplans",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    drugprotected = table.Column<string>(type: "text", nullable: false),
                    timesofday = table.Column<string>(type: "text", nullable: false),
                    startson = table.Column<DateOnly>(type: "date", nullable: false),
                    endson = table.Column<DateOnly>(type: "date", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_medicationplans", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "memberconsultations",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    askedby = table.Column<string>(type: "text", nullable: false),
                    questionprotected = table.Column<string>(type: "text", nullable: false),
                    askedat = table.Column<long>(type: "bigint", nullable: false),
                    answerprotected = table.Column<string>(type: "text", nullable: true),
                    answeredby = table.Column<string>(type: "text", nullable: true),
                    answeredat = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_memberconsultations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "monthlysummaries",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    month = table.Column<string>(type: "text", nullable: false),
                    memberusername = table.Column<string>(type: "text", nullable: false),
                    contentprotected = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_monthlysummaries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "notifications",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    key = table.Column<string>(type: "text", nullable: false),
                    channel = table.Column<string>(type: "text", nullable: false),
                    recipientusername = table.Column<string>(type: "text", nullable: true),
                    recipientrole = table.Column<string>(type: "text", nullable: true),
                    template = table.Column<string>(type: "text", nullable: false),
                    textprotected = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: true),
                    instanceid = table.Column<string>(type: "text", nullable: true),
                    state = table.Column<string>(type: "text", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    lasterror = table.Column<string>(type: "text", nullable: true),
                    providermessageid = table.Column<string>(type: "text", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    sentat = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notifications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "nutritionassessments",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    assessedon = table.Column<DateOnly>(type: "date", nullable: false),
                    score = table.Column<int>(type: "integer", nullable: false),
                    rating = table.Column<string>(type: "text", nullable: false),
                    adviceprotected = table.Column<string>(type: "text", nullable: false),
                    recordedby = table.Column<string>(type: "text", nullable: false),
                    recordedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_nutritionassessments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "policies",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    policynumber = table.Column<string>(type: "text", nullable: false),
                    insurer = table.Column<string>(type: "text", nullable: false),
                    product = table.Column<string>(type: "text", nullable: false),
                    variant = table.Column<string>(type: "text", nullable: true),
                    specialtydrugcover = table.Column<bool>(type: "boolean", nullable: false),
                    effectivedate = table.Column<DateOnly>(type: "date", nullable: false),
                    enddate = table.Column<DateOnly>(type: "date", nullable: false),
                    previouspolicynumber = table.Column<string>(type: "text", nullable: true),
                    coolingoffend = table.Column<DateOnly>(type: "date", nullable: true),
                    waitingperiodend = table.Column<DateOnly>(type: "date", nullable: true),
                    insuredname = table.Column<string>(type: "text", nullable: false),
                    insuredidnumberprotected = table.Column<string>(type: "text", nullable: false),
                    insuredphoneprotected = table.Column<string>(type: "text", nullable: true),
                    insuredbirthdate = table.Column<DateOnly>(type: "date", nullable: true),
                    insuredusername = table.Column<string>(type: "text", nullable: true),
                    guardianname = table.Column<string>(type: "text", nullable: true),
                    guardianidnumberprotected = table.Column<string>(type: "text", nullable: true),
                    guardianphoneprotected = table.Column<string>(type: "text", nullable: true),
                    guardianrelation = table.Column<string>(type: "text", nullable: true),
                    guardianusername = table.Column<string>(type: "text", nullable: true),
                    importedat = table.Column<long>(type: "bigint", nullable: false),
                    importedby = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    terminatedon = table.Column<DateOnly>(type: "date", nullable: true),
                    terminationreason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_policies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "policyversions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    policyid = table.Column<string>(type: "text", nullable: false),
                    policynumber = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    snapshotprotected = table.Column<string>(type: "text", nullable: false),
                    change = table.Column<string>(type: "text", nullable: false),
                    changedat = table.Column<long>(type: "bigint", nullable: false),
                    changedby = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_policyversions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quotacounters",
                columns: table => new
                {
                    policyid = table.Column<string>(type: "text", nullable: false),
                    servicecode = table.Column<string>(type: "text", nullable: false),
                    periodstart = table.Column<DateOnly>(type: "date", nullable: false),
                    used = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quotacounters", x => new { x.policyid, x.servicecode, x.periodstart });
                });

            migrationBuilder.CreateTable(
                name: "quotauses",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    policyid = table.Column<string>(type: "text", nullable: false),
                    servicecode = table.Column<string>(type: "text", nullable: false),
                    periodstart = table.Column<DateOnly>(type: "date", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    updatedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quotauses", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refdatauploads",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    list = table.Column<string>(type: "text", nullable: false),
                    filename = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    uploadedby = table.Column<string>(type: "text", nullable: false),
                    uploadedat = table.Column<long>(type: "bigint", nullable: false),
                    baseversion = table.Column<int>(type: "integer", nullable: false),
                    publishedversion = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refdatauploads", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refdataversionfiles",
                columns: table => new
                {
                    version = table.Column<int>(type: "integer", nullable: false),
                    file = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    sha256 = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refdataversionfiles", x => new { x.version, x.file });
                });

            migrationBuilder.CreateTable(
                name: "refdataversions",
                columns: table => new
                {
                    number = table.Column<int>(type: "integer", nullable: false),
                    effectivedate = table.Column<DateOnly>(type: "date", nullable: false),
                    publishedat = table.Column<long>(type: "bigint", nullable: false),
                    publishedby = table.Column<string>(type: "text", nullable: false),
                    changedlist = table.Column<string>(type: "text", nullable: true),
                    added = table.Column<int>(type: "integer", nullable: false),
                    removed = table.Column<int>(type: "integer", nullable: false),
                    changed = table.Column<int>(type: "integer", nullable: false),
                    uploadid = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refdataversions", x => x.number);
                });

            migrationBuilder.CreateTable(
                name: "refdesignatedhospitals",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    province = table.Column<string>(type: "text", nullable: false),
                    city = table.Column<string>(type: "text", nullable: false),
                    hospital = table.Column<string>(type: "text", nullable: false),
                    namekey = table.Column<string>(type: "text", nullable: false),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refdesignatedhospitals", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refdrugs",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    list = table.Column<string>(type: "text", nullable: false),
                    listname = table.Column<string>(type: "text", nullable: false),
                    seq = table.Column<int>(type: "integer", nullable: true),
                    brandname = table.Column<string>(type: "text", nullable: true),
                    genericname = table.Column<string>(type: "text", nullable: false),
                    generickey = table.Column<string>(type: "text", nullable: false),
                    manufacturer = table.Column<string>(type: "text", nullable: true),
                    indication = table.Column<string>(type: "text", nullable: true),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refdrugs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refescortcities",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    province = table.Column<string>(type: "text", nullable: false),
                    city = table.Column<string>(type: "text", nullable: false),
                    citykey = table.Column<string>(type: "text", nullable: false),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refescortcities", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refgreenchannelhospitals",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    province = table.Column<string>(type: "text", nullable: false),
                    city = table.Column<string>(type: "text", nullable: false),
                    hospital = table.Column<string>(type: "text", nullable: false),
                    namekey = table.Column<string>(type: "text", nullable: false),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refgreenchannelhospitals", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "refpharmacycities",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    province = table.Column<string>(type: "text", nullable: false),
                    city = table.Column<string>(type: "text", nullable: false),
                    citykey = table.Column<string>(type: "text", nullable: false),
                    pharmacycount = table.Column<int>(type: "integer", nullable: true),
                    examplepharmacy = table.Column<string>(type: "text", nullable: true),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refpharmacycities", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "serviceapplications",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    policyid = table.Column<string>(type: "text", nullable: false),
                    policynumber = table.Column<string>(type: "text", nullable: false),
                    servicecode = table.Column<string>(type: "text", nullable: false),
                    applicantusername = table.Column<string>(type: "text", nullable: false),
                    applicantrole = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    refusalcode = table.Column<string>(type: "text", nullable: true),
                    refusalmessagezh = table.Column<string>(type: "text", nullable: true),
                    refusalmessageen = table.Column<string>(type: "text", nullable: true),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    detailsjson = table.Column<string>(type: "text", nullable: false),
                    appointmentat = table.Column<long>(type: "bigint", nullable: true),
                    missingdocumentsjson = table.Column<string>(type: "text", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    updatedat = table.Column<long>(type: "bigint", nullable: false),
                    channel = table.Column<string>(type: "text", nullable: false, defaultValue: "app"),
                    receivedat = table.Column<long>(type: "bigint", nullable: false),
                    filedby = table.Column<string>(type: "text", nullable: true),
                    referencedataversion = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_serviceapplications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "slabreaches",
                columns: table => new
                {
                    bookmarkid = table.Column<string>(type: "text", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: true),
                    definitionid = table.Column<string>(type: "text", nullable: false),
                    activitytype = table.Column<string>(type: "text", nullable: false),
                    tasktitle = table.Column<string>(type: "text", nullable: false),
                    role = table.Column<string>(type: "text", nullable: false),
                    escalatedto = table.Column<string>(type: "text", nullable: false),
                    dueat = table.Column<long>(type: "bigint", nullable: false),
                    breachedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_slabreaches", x => x.bookmarkid);
                });

            migrationBuilder.CreateTable(
                name: "tasktexts",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    applicationid = table.Column<string>(type: "text", nullable: true),
                    taskid = table.Column<string>(type: "text", nullable: false),
                    field = table.Column<string>(type: "text", nullable: false),
                    textprotected = table.Column<string>(type: "text", nullable: false),
                    writtenby = table.Column<string>(type: "text", nullable: false),
                    writtenat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tasktexts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "diagnosisevents",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    policyid = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    diagnosedon = table.Column<DateOnly>(type: "date", nullable: false),
                    confirmed = table.Column<bool>(type: "boolean", nullable: false),
                    detailprotected = table.Column<string>(type: "text", nullable: true),
                    recordedat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_diagnosisevents", x => x.id);
                    table.ForeignKey(
                        name: "fk_diagnosisevents_policies_policyid",
                        column: x => x.policyid,
                        principalTable: "policies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_applicationevents_applicationid",
                table: "applicationevents",
                column: "applicationid");

            migrationBuilder.CreateIndex(
                name: "ix_carerecords_applicationid_occurredon",
                table: "carerecords",
                columns: new[] { "applicationid", "occurredon" });

            migrationBuilder.CreateIndex(
                name: "ix_cocalerts_applicationid_raisedat",
                table: "cocalerts",
                columns: new[] { "applicationid", "raisedat" });

            migrationBuilder.CreateIndex(
                name: "ix_coccasemanagerassignments_applicationid",
                table: "coccasemanagerassignments",
                column: "applicationid");

            migrationBuilder.CreateIndex(
                name: "ix_coccasemanagerassignments_casemanager",
                table: "coccasemanagerassignments",
                column: "casemanager");

            migrationBuilder.CreateIndex(
                name: "ix_diagnosisevents_policyid",
                table: "diagnosisevents",
                column: "policyid");

            migrationBuilder.CreateIndex(
                name: "ix_medicationplans_applicationid",
                table: "medicationplans",
                column: "applicationid");

            migrationBuilder.CreateIndex(
                name: "ix_memberconsultations_applicationid",
                table: "memberconsultations",
                column: "applicationid");

            migrationBuilder.CreateIndex(
                name: "ix_monthlysummaries_applicationid_month",
                table: "monthlysummaries",
                columns: new[] { "applicationid", "month" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_monthlysummaries_memberusername_month",
                table: "monthlysummaries",
                columns: new[] { "memberusername", "month" });

            migrationBuilder.CreateIndex(
                name: "ix_notifications_createdat",
                table: "notifications",
                column: "createdat");

            migrationBuilder.CreateIndex(
                name: "ix_notifications_key",
                table: "notifications",
                column: "key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_notifications_recipientusername_createdat",
                table: "notifications",
                columns: new[] { "recipientusername", "createdat" });

            migrationBuilder.CreateIndex(
                name: "ix_nutritionassessments_applicationid_assessedon",
                table: "nutritionassessments",
                columns: new[] { "applicationid", "assessedon" });

            migrationBuilder.CreateIndex(
                name: "ix_policies_guardianusername",
                table: "policies",
                column: "guardianusername");

            migrationBuilder.CreateIndex(
                name: "ix_policies_insuredname",
                table: "policies",
                column: "insuredname");

            migrationBuilder.CreateIndex(
                name: "ix_policies_insuredusername",
                table: "policies",
                column: "insuredusername");

            migrationBuilder.CreateIndex(
                name: "ix_policies_policynumber",
                table: "policies",
                column: "policynumber",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_policyversions_policyid_version",
                table: "policyversions",
                columns: new[] { "policyid", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_quotauses_applicationid",
                table: "quotauses",
                column: "applicationid",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_quotauses_policyid_servicecode_periodstart",
                table: "quotauses",
                columns: new[] { "policyid", "servicecode", "periodstart" });

            migrationBuilder.CreateIndex(
                name: "ix_refdatauploads_uploadedat",
                table: "refdatauploads",
                column: "uploadedat");

            migrationBuilder.CreateIndex(
                name: "ix_refdataversions_uploadid",
                table: "refdataversions",
                column: "uploadid",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_refdesignatedhospitals_namekey",
                table: "refdesignatedhospitals",
                column: "namekey");

            migrationBuilder.CreateIndex(
                name: "ix_refdrugs_generickey",
                table: "refdrugs",
                column: "generickey");

            migrationBuilder.CreateIndex(
                name: "ix_refdrugs_source_list",
                table: "refdrugs",
                columns: new[] { "source", "list" });

            migrationBuilder.CreateIndex(
                name: "ix_refescortcities_citykey",
                table: "refescortcities",
                column: "citykey");

            migrationBuilder.CreateIndex(
                name: "ix_refgreenchannelhospitals_city",
                table: "refgreenchannelhospitals",
                column: "city");

            migrationBuilder.CreateIndex(
                name: "ix_refgreenchannelhospitals_namekey",
                table: "refgreenchannelhospitals",
                column: "namekey");

            migrationBuilder.CreateIndex(
                name: "ix_refpharmacycities_source_citykey",
                table: "refpharmacycities",
                columns: new[] { "source", "citykey" });

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_applicantusername_createdat",
                table: "serviceapplications",
                columns: new[] { "applicantusername", "createdat" });

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_instanceid",
                table: "serviceapplications",
                column: "instanceid");

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_policyid",
                table: "serviceapplications",
                column: "policyid");

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_policynumber",
                table: "serviceapplications",
                column: "policynumber");

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_receivedat_id",
                table: "serviceapplications",
                columns: new[] { "receivedat", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_serviceapplications_servicecode_status_receivedat",
                table: "serviceapplications",
                columns: new[] { "servicecode", "status", "receivedat" });

            migrationBuilder.CreateIndex(
                name: "ix_slabreaches_breachedat",
                table: "slabreaches",
                column: "breachedat");

            migrationBuilder.CreateIndex(
                name: "ix_tasktexts_applicationid",
                table: "tasktexts",
                column: "applicationid");

            migrationBuilder.CreateIndex(
                name: "ix_tasktexts_instanceid",
                table: "tasktexts",
                column: "instanceid");

            // A published reference-data version is immutable, as on SQLite (docs/reference-data.md).
            AppendOnlyTables.CreateFunction(migrationBuilder);
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
                AppendOnlyTables.Refuse(migrationBuilder, table, "reference data versions are immutable");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
                AppendOnlyTables.Allow(migrationBuilder, table);
            migrationBuilder.DropTable(
                name: "applicationevents");

            migrationBuilder.DropTable(
                name: "carerecords");

            migrationBuilder.DropTable(
                name: "cocalerts");

            migrationBuilder.DropTable(
                name: "coccasemanagerassignments");

            migrationBuilder.DropTable(
                name: "diagnosisevents");

            migrationBuilder.DropTable(
                name: "medicationplans");

            migrationBuilder.DropTable(
                name: "memberconsultations");

            migrationBuilder.DropTable(
                name: "monthlysummaries");

            migrationBuilder.DropTable(
                name: "notifications");

            migrationBuilder.DropTable(
                name: "nutritionassessments");

            migrationBuilder.DropTable(
                name: "policyversions");

            migrationBuilder.DropTable(
                name: "quotacounters");

            migrationBuilder.DropTable(
                name: "quotauses");

            migrationBuilder.DropTable(
                name: "refdatauploads");

            migrationBuilder.DropTable(
                name: "refdataversionfiles");

            migrationBuilder.DropTable(
                name: "refdataversions");

            migrationBuilder.DropTable(
                name: "refdesignatedhospitals");

            migrationBuilder.DropTable(
                name: "refdrugs");

            migrationBuilder.DropTable(
                name: "refescortcities");

            migrationBuilder.DropTable(
                name: "refgreenchannelhospitals");

            migrationBuilder.DropTable(
                name: "refpharmacycities");

            migrationBuilder.DropTable(
                name: "serviceapplications");

            migrationBuilder.DropTable(
                name: "slabreaches");

            migrationBuilder.DropTable(
                name: "tasktexts");

            migrationBuilder.DropTable(
                name: "policies");
        }
    }
}
