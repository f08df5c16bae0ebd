using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Workflows.Persistence.PostgreSql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Workflows.Persistence.PostgreSql.Migrations.Workflows
{
    /// <inheritdoc />
    public partial class PgefInitial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "accesslog",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<long>(type: "bigint", nullable: false),
                    userid = table.Column<string>(type: "text", nullable: false),
                    username = table.Column<string>(type: "text", nullable: true),
                    roles = table.Column<string>(type: "text", nullable: false),
                    method = table.Column<string>(type: "text", nullable: false),
                    path = table.Column<string>(type: "text", nullable: false),
                    statuscode = table.Column<int>(type: "integer", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: true),
                    detail = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_accesslog", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "adminaudit",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "text", nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    target = table.Column<string>(type: "text", nullable: false),
                    detail = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_adminaudit", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "aspnetroles",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    normalizedname = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    concurrencystamp = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetroles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "aspnetusers",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    displayname = table.Column<string>(type: "text", nullable: false),
                    idnumberhash = table.Column<string>(type: "text", nullable: true),
                    activatedat = table.Column<long>(type: "bigint", nullable: true),
                    disabledat = table.Column<long>(type: "bigint", nullable: true),
                    lastsigninat = table.Column<long>(type: "bigint", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    username = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    normalizedusername = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    normalizedemail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    emailconfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    passwordhash = table.Column<string>(type: "text", nullable: true),
                    securitystamp = table.Column<string>(type: "text", nullable: true),
                    concurrencystamp = table.Column<string>(type: "text", nullable: true),
                    phonenumber = table.Column<string>(type: "text", nullable: true),
                    phonenumberconfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    twofactorenabled = table.Column<bool>(type: "boolean", nullable: false),
                    lockoutend = table.Column<long>(type: "bigint", nullable: true),
                    lockoutenabled = table.Column<bool>(type: "boolean", nullable: false),
                    accessfailedcount = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetusers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "bookmarks",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    activityid = table.Column<string>(type: "text", nullable: false),
                    activitynodeid = table.Column<string>(type: "text", nullable: false),
                    activitytype = table.Column<string>(type: "text", nullable: false),
                    activityinstanceid = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    correlationkey = table.Column<string>(type: "text", nullable: true),
                    resumeat = table.Column<long>(type: "bigint", nullable: true),
                    payloadjson = table.Column<string>(type: "text", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bookmarks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "commandkeys",
                columns: table => new
                {
                    key = table.Column<string>(type: "text", nullable: false),
                    fingerprint = table.Column<string>(type: "text", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    resultjson = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_commandkeys", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "dataprotectionkeys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendlyname = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dataprotectionkeys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "humantasks",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    definitionid = table.Column<string>(type: "text", nullable: false),
                    activityid = table.Column<string>(type: "text", nullable: false),
                    activitytype = table.Column<string>(type: "text", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    instructions = table.Column<string>(type: "text", nullable: true),
                    outcomesjson = table.Column<string>(type: "text", nullable: false),
                    servicecode = table.Column<string>(type: "text", nullable: true),
                    servicename = table.Column<string>(type: "text", nullable: true),
                    caseid = table.Column<string>(type: "text", nullable: true),
                    reference = table.Column<string>(type: "text", nullable: true),
                    subjectname = table.Column<string>(type: "text", nullable: true),
                    subjectuserid = table.Column<string>(type: "text", nullable: true),
                    candidaterole = table.Column<string>(type: "text", nullable: false),
                    escalatedto = table.Column<string>(type: "text", nullable: true),
                    escalatedat = table.Column<long>(type: "bigint", nullable: true),
                    assignee = table.Column<string>(type: "text", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    dueat = table.Column<long>(type: "bigint", nullable: true),
                    duekey = table.Column<long>(type: "bigint", nullable: false),
                    hours = table.Column<string>(type: "text", nullable: false),
                    remainingkey = table.Column<long>(type: "bigint", nullable: false),
                    followupat = table.Column<long>(type: "bigint", nullable: true),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false),
                    closedat = table.Column<long>(type: "bigint", nullable: true),
                    closedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_humantasks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "journalentries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    timestamp = table.Column<long>(type: "bigint", nullable: false),
                    eventname = table.Column<string>(type: "text", nullable: false),
                    activityid = table.Column<string>(type: "text", nullable: true),
                    activitynodeid = table.Column<string>(type: "text", nullable: true),
                    activitytype = table.Column<string>(type: "text", nullable: true),
                    activityname = table.Column<string>(type: "text", nullable: true),
                    activityinstanceid = table.Column<string>(type: "text", nullable: true),
                    bookmarkid = table.Column<string>(type: "text", nullable: true),
                    definitionversionid = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    actorid = table.Column<string>(type: "text", nullable: false),
                    actorrole = table.Column<string>(type: "text", nullable: false),
                    message = table.Column<string>(type: "text", nullable: true),
                    payloadjson = table.Column<string>(type: "text", nullable: true),
                    previoushash = table.Column<string>(type: "text", nullable: false),
                    hash = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_journalentries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "legalholds",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    subjectkind = table.Column<string>(type: "text", nullable: false),
                    subjectid = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    placedby = table.Column<string>(type: "text", nullable: false),
                    placedat = table.Column<long>(type: "bigint", nullable: false),
                    releasedby = table.Column<string>(type: "text", nullable: true),
                    releasedat = table.Column<long>(type: "bigint", nullable: true),
                    releasereason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_legalholds", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "onetimecodes",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    userid = table.Column<string>(type: "text", nullable: false),
                    purpose = table.Column<string>(type: "text", nullable: false),
                    codehash = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    expiresat = table.Column<long>(type: "bigint", nullable: false),
                    usedat = table.Column<long>(type: "bigint", nullable: true),
                    failedattempts = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_onetimecodes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "savedtaskfilters",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    username = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    queryjson = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_savedtaskfilters", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "scheduledwork",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    key = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    dueat = table.Column<long>(type: "bigint", nullable: false),
                    payloadjson = table.Column<string>(type: "text", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    lasterror = table.Column<string>(type: "text", nullable: true),
                    result = table.Column<string>(type: "text", nullable: true),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    updatedat = table.Column<long>(type: "bigint", nullable: false),
                    doneat = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scheduledwork", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "statesnapshots",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    instanceid = table.Column<string>(type: "text", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    substatus = table.Column<string>(type: "text", nullable: false),
                    variablesjson = table.Column<string>(type: "text", nullable: false),
                    incident = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_statesnapshots", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "taskdelegations",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    delegator = table.Column<string>(type: "text", nullable: false),
                    @delegate = table.Column<string>(name: "delegate", type: "text", nullable: false),
                    delegatorroles = table.Column<string>(type: "text", nullable: false),
                    from = table.Column<DateOnly>(type: "date", nullable: false),
                    to = table.Column<DateOnly>(type: "date", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_taskdelegations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflowdefinitions",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    definitionid = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    islatest = table.Column<bool>(type: "boolean", nullable: false),
                    ispublished = table.Column<bool>(type: "boolean", nullable: false),
                    contenthash = table.Column<string>(type: "text", nullable: false),
                    json = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    publishedat = table.Column<long>(type: "bigint", nullable: true),
                    createdby = table.Column<string>(type: "text", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workflowdefinitions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflowinstances",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    definitionid = table.Column<string>(type: "text", nullable: false),
                    definitionversionid = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    correlationid = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    substatus = table.Column<string>(type: "text", nullable: false),
                    statejson = table.Column<string>(type: "text", nullable: false),
                    incidentjson = table.Column<string>(type: "text", nullable: true),
                    revision = table.Column<long>(type: "bigint", nullable: false),
                    journalsequence = table.Column<long>(type: "bigint", nullable: false),
                    lastjournalhash = table.Column<string>(type: "text", nullable: false),
                    createdat = table.Column<long>(type: "bigint", nullable: false),
                    updatedat = table.Column<long>(type: "bigint", nullable: false),
                    finishedat = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workflowinstances", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "aspnetroleclaims",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    roleid = table.Column<string>(type: "text", nullable: false),
                    claimtype = table.Column<string>(type: "text", nullable: true),
                    claimvalue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetroleclaims", x => x.id);
                    table.ForeignKey(
                        name: "fk_aspnetroleclaims_aspnetroles_roleid",
                        column: x => x.roleid,
                        principalTable: "aspnetroles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "aspnetuserclaims",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    userid = table.Column<string>(type: "text", nullable: false),
                    claimtype = table.Column<string>(type: "text", nullable: true),
                    claimvalue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetuserclaims", x => x.id);
                    table.ForeignKey(
                        name: "fk_aspnetuserclaims_aspnetusers_userid",
                        column: x => x.userid,
                        principalTable: "aspnetusers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "aspnetuserlogins",
                columns: table => new
                {
                    loginprovider = table.Column<string>(type: "text", nullable: false),
                    providerkey = table.Column<string>(type: "text", nullable: false),
                    providerdisplayname = table.Column<string>(type: "text", nullable: true),
                    userid = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetuserlogins", x => new { x.loginprovider, x.providerkey });
                    table.ForeignKey(
                        name: "fk_aspnetuserlogins_aspnetusers_userid",
                        column: x => x.userid,
                        principalTable: "aspnetusers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "aspnetuserroles",
                columns: table => new
                {
                    userid = table.Column<string>(type: "text", nullable: false),
                    roleid = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetuserroles", x => new { x.userid, x.roleid });
                    table.ForeignKey(
                        name: "fk_aspnetuserroles_aspnetroles_roleid",
                        column: x => x.roleid,
                        principalTable: "aspnetroles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_aspnetuserroles_aspnetusers_userid",
                        column: x => x.userid,
                        principalTable: "aspnetusers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "aspnetusertokens",
                columns: table => new
                {
                    userid = table.Column<string>(type: "text", nullable: false),
                    loginprovider = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    value = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_aspnetusertokens", x => new { x.userid, x.loginprovider, x.name });
                    table.ForeignKey(
                        name: "fk_aspnetusertokens_aspnetusers_userid",
                        column: x => x.userid,
                        principalTable: "aspnetusers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_accesslog_at",
                table: "accesslog",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_accesslog_instanceid",
                table: "accesslog",
                column: "instanceid");

            migrationBuilder.CreateIndex(
                name: "ix_adminaudit_at",
                table: "adminaudit",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_adminaudit_target",
                table: "adminaudit",
                column: "target");

            migrationBuilder.CreateIndex(
                name: "ix_aspnetroleclaims_roleid",
                table: "aspnetroleclaims",
                column: "roleid");

            migrationBuilder.CreateIndex(
                name: "rolenameindex",
                table: "aspnetroles",
                column: "normalizedname",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_aspnetuserclaims_userid",
                table: "aspnetuserclaims",
                column: "userid");

            migrationBuilder.CreateIndex(
                name: "ix_aspnetuserlogins_userid",
                table: "aspnetuserlogins",
                column: "userid");

            migrationBuilder.CreateIndex(
                name: "ix_aspnetuserroles_roleid",
                table: "aspnetuserroles",
                column: "roleid");

            migrationBuilder.CreateIndex(
                name: "emailindex",
                table: "aspnetusers",
                column: "normalizedemail");

            migrationBuilder.CreateIndex(
                name: "ix_aspnetusers_idnumberhash",
                table: "aspnetusers",
                column: "idnumberhash",
                unique: true,
                filter: "\"idnumberhash\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "usernameindex",
                table: "aspnetusers",
                column: "normalizedusername",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_bookmarks_duetimers",
                table: "bookmarks",
                column: "resumeat",
                filter: "\"kind\" = 'Timer'");

            migrationBuilder.CreateIndex(
                name: "ix_bookmarks_events",
                table: "bookmarks",
                columns: new[] { "name", "correlationkey" },
                filter: "\"kind\" = 'Event'");

            migrationBuilder.CreateIndex(
                name: "ix_bookmarks_instanceid",
                table: "bookmarks",
                column: "instanceid");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_all_created",
                table: "humantasks",
                column: "id",
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_all_due",
                table: "humantasks",
                columns: new[] { "duekey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_all_priority",
                table: "humantasks",
                columns: new[] { "priority", "duekey", "id" },
                descending: new[] { true, false, false },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_all_remaining",
                table: "humantasks",
                columns: new[] { "hours", "remainingkey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_assignee_created",
                table: "humantasks",
                columns: new[] { "assignee", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_assignee_due",
                table: "humantasks",
                columns: new[] { "assignee", "duekey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_assignee_priority",
                table: "humantasks",
                columns: new[] { "assignee", "priority", "duekey", "id" },
                descending: new[] { false, true, false, false },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_assignee_remaining",
                table: "humantasks",
                columns: new[] { "assignee", "hours", "remainingkey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_caseid",
                table: "humantasks",
                column: "caseid");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_escalated_created",
                table: "humantasks",
                columns: new[] { "escalatedto", "assignee", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_escalated_due",
                table: "humantasks",
                columns: new[] { "escalatedto", "assignee", "duekey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_escalated_priority",
                table: "humantasks",
                columns: new[] { "escalatedto", "assignee", "priority", "duekey", "id" },
                descending: new[] { false, false, true, false, false },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_escalated_remaining",
                table: "humantasks",
                columns: new[] { "escalatedto", "assignee", "hours", "remainingkey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_instanceid",
                table: "humantasks",
                column: "instanceid");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_reference",
                table: "humantasks",
                column: "reference",
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_role_created",
                table: "humantasks",
                columns: new[] { "candidaterole", "assignee", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_role_due",
                table: "humantasks",
                columns: new[] { "candidaterole", "assignee", "duekey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_role_priority",
                table: "humantasks",
                columns: new[] { "candidaterole", "assignee", "priority", "duekey", "id" },
                descending: new[] { false, false, true, false, false },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_role_remaining",
                table: "humantasks",
                columns: new[] { "candidaterole", "assignee", "hours", "remainingkey", "id" },
                filter: "\"status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_humantasks_subjectuserid_status",
                table: "humantasks",
                columns: new[] { "subjectuserid", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_journalentries_bookmarkid",
                table: "journalentries",
                column: "bookmarkid",
                filter: "\"bookmarkid\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_journalentries_instanceid_sequence",
                table: "journalentries",
                columns: new[] { "instanceid", "sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_legalholds_subjectkind_subjectid",
                table: "legalholds",
                columns: new[] { "subjectkind", "subjectid" });

            migrationBuilder.CreateIndex(
                name: "ix_onetimecodes_userid_purpose_createdat",
                table: "onetimecodes",
                columns: new[] { "userid", "purpose", "createdat" });

            migrationBuilder.CreateIndex(
                name: "ix_savedtaskfilters_username_name",
                table: "savedtaskfilters",
                columns: new[] { "username", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_scheduledwork_key",
                table: "scheduledwork",
                column: "key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_scheduledwork_kind_doneat",
                table: "scheduledwork",
                columns: new[] { "kind", "doneat" });

            migrationBuilder.CreateIndex(
                name: "ix_scheduledwork_open",
                table: "scheduledwork",
                columns: new[] { "state", "dueat" },
                filter: "\"state\" IN ('Pending','Scheduled','Queued')");

            migrationBuilder.CreateIndex(
                name: "ix_statesnapshots_instanceid_sequence",
                table: "statesnapshots",
                columns: new[] { "instanceid", "sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_taskdelegations_delegate_to",
                table: "taskdelegations",
                columns: new[] { "delegate", "to" });

            migrationBuilder.CreateIndex(
                name: "ix_taskdelegations_delegator_to",
                table: "taskdelegations",
                columns: new[] { "delegator", "to" });

            migrationBuilder.CreateIndex(
                name: "ix_workflowdefinitions_definitionid_ispublished",
                table: "workflowdefinitions",
                columns: new[] { "definitionid", "ispublished" });

            migrationBuilder.CreateIndex(
                name: "ix_workflowdefinitions_definitionid_version",
                table: "workflowdefinitions",
                columns: new[] { "definitionid", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_workflowdefinitions_islatest_name",
                table: "workflowdefinitions",
                columns: new[] { "islatest", "name" });

            migrationBuilder.CreateIndex(
                name: "ix_workflowinstances_correlationid",
                table: "workflowinstances",
                column: "correlationid");

            migrationBuilder.CreateIndex(
                name: "ix_workflowinstances_definitionid",
                table: "workflowinstances",
                column: "definitionid");

            migrationBuilder.CreateIndex(
                name: "ix_workflowinstances_status_substatus",
                table: "workflowinstances",
                columns: new[] { "status", "substatus" });

            migrationBuilder.CreateIndex(
                name: "ix_workflowinstances_updatedat",
                table: "workflowinstances",
                column: "updatedat");

            // Append-only, as on SQLite: the journal, the access trail and the state snapshots refuse edits and deletions;
            // a legal hold is released (updated), never deleted.
            AppendOnlyTables.CreateFunction(migrationBuilder);
            foreach (var table in new[] { "JournalEntries", "AccessLog", "StateSnapshots" })
                AppendOnlyTables.Refuse(migrationBuilder, table, $"{table} is append-only");
            AppendOnlyTables.Refuse(migrationBuilder, "LegalHolds", "LegalHolds are released, never deleted", update: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "JournalEntries", "AccessLog", "StateSnapshots", "LegalHolds" })
                AppendOnlyTables.Allow(migrationBuilder, table);
            migrationBuilder.DropTable(
                name: "accesslog");

            migrationBuilder.DropTable(
                name: "adminaudit");

            migrationBuilder.DropTable(
                name: "aspnetroleclaims");

            migrationBuilder.DropTable(
                name: "aspnetuserclaims");

            migrationBuilder.DropTable(
                name: "aspnetuserlogins");

            migrationBuilder.DropTable(
                name: "aspnetuserroles");

            migrationBuilder.DropTable(
                name: "aspnetusertokens");

            migrationBuilder.DropTable(
                name: "bookmarks");

            migrationBuilder.DropTable(
                name: "commandkeys");

            migrationBuilder.DropTable(
                name: "dataprotectionkeys");

            migrationBuilder.DropTable(
                name: "humantasks");

            migrationBuilder.DropTable(
                name: "journalentries");

            migrationBuilder.DropTable(
                name: "legalholds");

            migrationBuilder.DropTable(
                name: "onetimecodes");

            migrationBuilder.DropTable(
                name: "savedtaskfilters");

            migrationBuilder.DropTable(
                name: "scheduledwork");

            migrationBuilder.DropTable(
                name: "statesnapshots");

            migrationBuilder.DropTable(
                name: "taskdelegations");

            migrationBuilder.DropTable(
                name: "workflowdefinitions");

            migrationBuilder.DropTable(
                name: "workflowinstances");

            migrationBuilder.DropTable(
                name: "aspnetroles");

            migrationBuilder.DropTable(
                name: "aspnetusers");
        }
    }
}
